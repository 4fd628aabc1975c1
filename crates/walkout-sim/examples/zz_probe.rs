use walkout_sim::{simulate, stores, ActionKind};
fn pos(s: &walkout_sim::SimSession, sh: u32, t: i64) -> [f64; 2] {
    let tr = &s.truth.trajectories;
    let mut best = (i64::MAX, [0.0; 2]);
    for i in 0..tr.len() { if tr.shopper[i] == sh { let d = (tr.t_us[i]-t).abs(); if d < best.0 { best = (d, [tr.x[i], tr.y[i]]); } } }
    best.1
}
fn main() {
    let store = stores::convenience_store();
    let gond = |pid: u32| store.plates().find(|(_,_,p)| p.id==pid).map(|(g,_,_)| g.id).unwrap();
    let (mut found, mut pb, mut pk) = (0, 0, 0);
    for seed in 0..40u64 {
        let s = simulate(&store, "two-shoppers-putback", seed).unwrap();
        let a = &s.truth.actions;
        let mut best = f64::MAX; let mut dt_best = 0;
        for x in a.iter().filter(|x| x.shopper==0) { for y in a.iter().filter(|y| y.shopper==1) {
            if gond(x.plate_id)==gond(y.plate_id) && (x.t_start_us-y.t_start_us).abs() <= 3_000_000 {
                let p = pos(&s,0,y.t_start_us); let q = pos(&s,1,y.t_start_us);
                let d = (p[0]-q[0]).hypot(p[1]-q[1]); if d < best { best = d; dt_best = y.t_start_us - x.t_start_us; }
            }
        }}
        if best <= 2.5 { found += 1; }
        pk += a.iter().filter(|x| x.kind==ActionKind::Pick).count(); pb += a.iter().filter(|x| x.kind==ActionKind::PutBack).count();
        if seed < 6 {
            println!("seed {seed}: dur {:.1}s enter gap {:.1}s, A {:.1}-{:.1} B {:.1}-{:.1}, nearest side-by-side {best:.2} m dt {:.2}s, acts {}",
              (s.end_us-s.start_us) as f64/1e6, (s.truth.shoppers[1].enter_us-s.truth.shoppers[0].enter_us) as f64/1e6,
              (s.truth.shoppers[0].enter_us-s.start_us) as f64/1e6,(s.truth.shoppers[0].exit_us-s.start_us) as f64/1e6,
              (s.truth.shoppers[1].enter_us-s.start_us) as f64/1e6,(s.truth.shoppers[1].exit_us-s.start_us) as f64/1e6, dt_best as f64/1e6, a.len());
            for x in a { println!("   sh{} {:?} plate {} g{} q{} {:.2}-{:.2} {:.1} g", x.shopper, x.kind, x.plate_id, gond(x.plate_id), x.quantity, (x.t_start_us-s.start_us) as f64/1e6, (x.t_end_us-s.start_us) as f64/1e6, x.grams_moved); }
        }
    }
    println!("side-by-side in {found}/40; putbacks {pb}/{pk} picks");
}
