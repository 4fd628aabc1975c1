//! Reference store layouts built in Rust, for tests, benchmarks and examples that must
//! not depend on config files (this crate has no TOML parser).

use walkout_core::config::{
    Facing, FusionParams, Gate, GateKind, Gondola, PlanogramEntry, Plate, Product, Shelf,
    StoreConfig, WeightSensor,
};

/// (name, mean grams, sd grams, price cents): one product family per row; each family
/// comes in ten variants whose weights differ by about a percent, as flavours of one
/// line do, so equal-looking weights on different shelves are the norm, not a trick.
const FAMILIES: &[(&str, f64, f64, i64)] = &[
    ("Cola can 330 ml", 350.0, 2.5, 129),
    ("Water 500 ml", 520.0, 4.0, 99),
    ("Energy drink 250 ml", 275.0, 2.0, 189),
    ("Crisps 150 g", 165.0, 3.0, 219),
    ("Chocolate bar 50 g", 52.0, 1.0, 119),
    ("Chewing gum", 28.0, 0.8, 149),
    ("Instant noodles", 85.0, 2.0, 159),
    ("Soup can 400 g", 440.0, 5.0, 249),
    ("Coffee 250 g", 265.0, 3.0, 549),
    ("Cereal 375 g", 420.0, 6.0, 399),
    ("Juice 1 l", 1060.0, 8.0, 279),
    ("Biscuits 200 g", 215.0, 3.0, 189),
];
const VARIANTS: usize = 10;

const GONDOLA_X: (f64, f64) = (2.0, 5.6);
const PLATES_PER_SHELF: usize = 12;
const SHELVES: usize = 6;
const DEPTH_M: f64 = 0.45;

/// A convenience store of roughly 7-Eleven size: an 8 x 8 m floor, five single-sided
/// gondolas (one on the back wall, two back-to-back islands) of six shelves of twelve
/// plates (360 plates), 1.2 m aisles, entry gate front left, exit gate front right.
pub fn convenience_store() -> StoreConfig {
    let products: Vec<Product> = FAMILIES
        .iter()
        .enumerate()
        .flat_map(|(f, &(name, w, sd, price))| {
            (0..VARIANTS).map(move |v| Product {
                sku: format!("SKU-{:02}{:02}", f + 1, v + 1),
                name: format!("{name} #{}", v + 1),
                weight_g: w * (1.0 + 0.01 * (v as f64 - 4.5) / 4.5),
                weight_std_g: sd,
                price_cents: price,
                rfid: false,
                vision_class: None,
            })
        })
        .collect();

    // (front face y or back y, facing): fronts face the aisles, backs touch each other.
    let rows: [(f64, Facing); 5] = [
        (7.30, Facing::NegY), // back wall unit, front at y = 7.30
        (6.10, Facing::PosY), // island 1, north side, front at y = 6.10
        (5.15, Facing::NegY), // island 1, south side, front at y = 5.15
        (3.95, Facing::PosY), // island 2, north side, front at y = 3.95
        (3.00, Facing::NegY), // island 2, south side, front at y = 3.00
    ];
    let plate_w = (GONDOLA_X.1 - GONDOLA_X.0) / PLATES_PER_SHELF as f64;
    let mut gondolas = Vec::new();
    let mut planogram = Vec::new();
    let mut plate_id = 0u32;
    for (g, &(front_y, facing)) in rows.iter().enumerate() {
        let (y0, y1) = match facing {
            Facing::NegY => (front_y, front_y + DEPTH_M),
            _ => (front_y - DEPTH_M, front_y),
        };
        let shelves = (0..SHELVES)
            .map(|s| {
                let z0 = 0.1 + 0.32 * s as f64;
                let plates = (0..PLATES_PER_SHELF)
                    .map(|i| {
                        plate_id += 1;
                        let n = plate_id as usize;
                        planogram.push(PlanogramEntry {
                            plate: plate_id,
                            sku: products[(n * 37) % products.len()].sku.clone(),
                            count: 4 + ((n * 7) % 9) as u32,
                        });
                        let x0 = GONDOLA_X.0 + plate_w * i as f64;
                        Plate {
                            id: plate_id,
                            min: [x0 + 0.005, y0, z0],
                            max: [x0 + plate_w - 0.005, y1, z0 + 0.28],
                            front: facing,
                            sensor: WeightSensor::default(),
                        }
                    })
                    .collect();
                Shelf {
                    id: (g * SHELVES + s + 1) as u32,
                    plates,
                }
            })
            .collect();
        gondolas.push(Gondola {
            id: g as u32 + 1,
            name: format!("gondola {}", g + 1),
            shelves,
        });
    }

    StoreConfig {
        name: "convenience".to_string(),
        currency: "EUR".to_string(),
        floor: [8.0, 8.0],
        products,
        gondolas,
        planogram,
        cameras: Vec::new(),
        thermal_cameras: Vec::new(),
        rfid_readers: Vec::new(),
        gates: vec![
            Gate {
                id: 1,
                kind: GateKind::Entry,
                position: [1.0, 0.6],
                radius_m: 1.5,
            },
            Gate {
                id: 2,
                kind: GateKind::Exit,
                position: [7.0, 0.6],
                radius_m: 1.5,
            },
        ],
        fusion: FusionParams::default(),
    }
}
