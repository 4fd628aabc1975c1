//! SGTIN-96 Electronic Product Codes (GS1 EPC Tag Data Standard, section 14.5.1): the
//! 96-bit EPC an RFID tag of a retail item carries, built from the product's GTIN-14
//! and a per-item serial number.
//!
//! Layout, most significant bit first: header `0x30` (8 bits), filter (3), partition
//! (3), GS1 company prefix (20-40), indicator digit + item reference (24-4), serial (38).
//! The partition says how the 12 digits of company prefix + item reference are split;
//! the company prefix length cannot be read off a GTIN, so encoding needs it.

use thiserror::Error;

/// EPC header of SGTIN-96.
pub const SGTIN96_HEADER: u8 = 0x30;
/// Filter value of a point-of-sale trade item, what a tag on a retail product carries.
pub const FILTER_POS_ITEM: u8 = 1;
/// Largest serial number SGTIN-96 holds (38 bits).
pub const MAX_SERIAL: u64 = (1 << 38) - 1;

/// (company prefix bits, company prefix digits, item reference bits) per partition 0..=6.
const PARTITIONS: [(u32, usize, u32); 7] = [
    (40, 12, 4),
    (37, 11, 7),
    (34, 10, 10),
    (30, 9, 14),
    (27, 8, 17),
    (24, 7, 20),
    (20, 6, 24),
];

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EpcError {
    #[error("GTIN must be 14 digits (got {0:?})")]
    GtinFormat(String),
    #[error("GTIN {gtin} has check digit {got}, expected {expected}")]
    GtinCheckDigit { gtin: String, got: u8, expected: u8 },
    #[error("GS1 company prefix length must be 6 to 12 digits (got {0})")]
    CompanyPrefixLength(usize),
    #[error("serial {0} does not fit SGTIN-96's 38 bits (max {MAX_SERIAL})")]
    SerialTooLarge(u64),
    #[error("filter value must be 0 to 7 (got {0})")]
    Filter(u8),
    #[error("EPC header is {0:#04x}, not SGTIN-96 (0x30)")]
    NotSgtin96(u8),
    #[error("EPC partition value {0} is not defined (0 to 6)")]
    Partition(u8),
    #[error("EPC field `{field}` holds {value}, more digits than its partition allows")]
    FieldOverflow { field: &'static str, value: u64 },
    #[error("EPC hex must be 24 hexadecimal characters (got {0:?})")]
    Hex(String),
}

/// A decoded SGTIN-96.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sgtin96 {
    pub filter: u8,
    pub company_prefix_len: usize,
    /// The GTIN-14 with its check digit.
    pub gtin: String,
    pub serial: u64,
}

/// GS1 mod-10 check digit of the first 13 digits of a GTIN-14 (weights 3,1,3,... from
/// the left, which is 3 on the digit next to the check digit).
pub fn gtin_check_digit(first13: &[u8; 13]) -> u8 {
    let sum: u32 = first13
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The 14 digits of a valid GTIN-14 (format and check digit checked).
pub fn parse_gtin14(gtin: &str) -> Result<[u8; 14], EpcError> {
    let bytes = gtin.as_bytes();
    if bytes.len() != 14 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(EpcError::GtinFormat(gtin.to_string()));
    }
    let mut d = [0u8; 14];
    for (out, b) in d.iter_mut().zip(bytes) {
        *out = b - b'0';
    }
    let mut first = [0u8; 13];
    first.copy_from_slice(&d[..13]);
    let expected = gtin_check_digit(&first);
    if d[13] != expected {
        return Err(EpcError::GtinCheckDigit {
            gtin: gtin.to_string(),
            got: d[13],
            expected,
        });
    }
    Ok(d)
}

fn digits_value(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |v, &x| v * 10 + u64::from(x))
}

fn partition_of(company_prefix_len: usize) -> Result<usize, EpcError> {
    PARTITIONS
        .iter()
        .position(|p| p.1 == company_prefix_len)
        .ok_or(EpcError::CompanyPrefixLength(company_prefix_len))
}

/// The SGTIN-96 EPC of item `serial` of the product `gtin` (GTIN-14), whose GS1
/// company prefix is `company_prefix_len` digits long.
pub fn encode_sgtin96(
    gtin: &str,
    company_prefix_len: usize,
    serial: u64,
    filter: u8,
) -> Result<u128, EpcError> {
    let d = parse_gtin14(gtin)?;
    let p = partition_of(company_prefix_len)?;
    if serial > MAX_SERIAL {
        return Err(EpcError::SerialTooLarge(serial));
    }
    if filter > 7 {
        return Err(EpcError::Filter(filter));
    }
    let (cp_bits, cp_digits, ir_bits) = PARTITIONS[p];
    // GTIN-14 = indicator, company prefix, item reference, check digit; the EPC moves
    // the indicator in front of the item reference.
    let company = digits_value(&d[1..1 + cp_digits]);
    let mut item_digits = Vec::with_capacity(13 - cp_digits);
    item_digits.push(d[0]);
    item_digits.extend_from_slice(&d[1 + cp_digits..13]);
    let item = digits_value(&item_digits);
    let mut epc = u128::from(SGTIN96_HEADER);
    epc = (epc << 3) | u128::from(filter);
    epc = (epc << 3) | p as u128;
    epc = (epc << cp_bits) | u128::from(company);
    epc = (epc << ir_bits) | u128::from(item);
    epc = (epc << 38) | u128::from(serial);
    Ok(epc)
}

/// Decodes an SGTIN-96 EPC back to its GTIN-14 (with check digit) and serial.
pub fn decode_sgtin96(epc: u128) -> Result<Sgtin96, EpcError> {
    let header = (epc >> 88) as u8;
    if header != SGTIN96_HEADER || epc >> 96 != 0 {
        return Err(EpcError::NotSgtin96(header));
    }
    let filter = ((epc >> 85) & 0x7) as u8;
    let p = ((epc >> 82) & 0x7) as u8;
    let &(cp_bits, cp_digits, ir_bits) = PARTITIONS
        .get(usize::from(p))
        .ok_or(EpcError::Partition(p))?;
    let serial = (epc & u128::from(MAX_SERIAL)) as u64;
    let item = ((epc >> 38) & ((1u128 << ir_bits) - 1)) as u64;
    let company = ((epc >> (38 + ir_bits)) & ((1u128 << cp_bits) - 1)) as u64;
    let item_digits = 13 - cp_digits;
    if company >= 10u64.pow(cp_digits as u32) {
        return Err(EpcError::FieldOverflow {
            field: "company prefix",
            value: company,
        });
    }
    if item >= 10u64.pow(item_digits as u32) {
        return Err(EpcError::FieldOverflow {
            field: "item reference",
            value: item,
        });
    }
    let item_str = format!("{item:0item_digits$}");
    let (indicator, reference) = item_str.split_at(1);
    let first13 = format!("{indicator}{company:0cp_digits$}{reference}");
    let mut digits = [0u8; 13];
    for (out, b) in digits.iter_mut().zip(first13.bytes()) {
        *out = b - b'0';
    }
    Ok(Sgtin96 {
        filter,
        company_prefix_len: cp_digits,
        gtin: format!("{first13}{}", gtin_check_digit(&digits)),
        serial,
    })
}

/// The EPC as 24 upper-case hex characters, the usual way readers report it.
pub fn epc_to_hex(epc: u128) -> String {
    format!("{epc:024X}")
}

/// Parses 24 hex characters (either case) as an EPC.
pub fn epc_from_hex(hex: &str) -> Result<u128, EpcError> {
    if hex.len() != 24 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EpcError::Hex(hex.to_string()));
    }
    u128::from_str_radix(hex, 16).map_err(|_| EpcError::Hex(hex.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_of_known_gtins() {
        assert!(parse_gtin14("80614141123458").is_ok());
        assert!(parse_gtin14("00012345600012").is_ok());
        assert_eq!(
            parse_gtin14("80614141123459"),
            Err(EpcError::GtinCheckDigit {
                gtin: "80614141123459".into(),
                got: 9,
                expected: 8
            })
        );
        assert!(matches!(
            parse_gtin14("8061414112345"),
            Err(EpcError::GtinFormat(_))
        ));
        assert!(matches!(
            parse_gtin14("8061414112345x"),
            Err(EpcError::GtinFormat(_))
        ));
    }

    #[test]
    fn tag_data_standard_example() {
        // EPC TDS 2.x, SGTIN-96 example: urn:epc:tag:sgtin-96:3.0614141.812345.6789
        // (filter 3, company prefix 0614141, indicator 8, item ref 12345, serial 6789)
        // encodes as 3074257BF7194E4000001A85.
        let epc = encode_sgtin96("80614141123458", 7, 6789, 3).expect("valid");
        assert_eq!(epc_to_hex(epc), "3074257BF7194E4000001A85");
        let back = decode_sgtin96(epc).expect("decodes");
        assert_eq!(
            back,
            Sgtin96 {
                filter: 3,
                company_prefix_len: 7,
                gtin: "80614141123458".into(),
                serial: 6789
            }
        );
    }

    #[test]
    fn round_trip_over_every_partition() {
        for len in 6..=12 {
            for (gtin, serial) in [
                ("00012345600012", 0u64),
                ("10614141000415", 42),
                ("94012345678904", MAX_SERIAL),
            ] {
                let epc = encode_sgtin96(gtin, len, serial, FILTER_POS_ITEM).expect("valid");
                assert_eq!(epc >> 88, 0x30);
                let d = decode_sgtin96(epc).expect("decodes");
                assert_eq!((d.gtin.as_str(), d.serial), (gtin, serial), "len {len}");
                assert_eq!(d.company_prefix_len, len);
                assert_eq!(d.filter, FILTER_POS_ITEM);
                assert_eq!(epc_from_hex(&epc_to_hex(epc)), Ok(epc));
            }
        }
    }

    #[test]
    fn distinct_serials_give_distinct_epcs() {
        let a = encode_sgtin96("00012345600012", 7, 1, 1).expect("valid");
        let b = encode_sgtin96("00012345600012", 7, 2, 1).expect("valid");
        assert_ne!(a, b);
        assert_eq!(b - a, 1);
    }

    #[test]
    fn bad_inputs_are_rejected() {
        assert_eq!(
            encode_sgtin96("00012345600012", 5, 1, 1),
            Err(EpcError::CompanyPrefixLength(5))
        );
        assert_eq!(
            encode_sgtin96("00012345600012", 7, MAX_SERIAL + 1, 1),
            Err(EpcError::SerialTooLarge(MAX_SERIAL + 1))
        );
        assert_eq!(
            encode_sgtin96("00012345600012", 7, 1, 8),
            Err(EpcError::Filter(8))
        );
        assert_eq!(
            decode_sgtin96(0x31u128 << 88),
            Err(EpcError::NotSgtin96(0x31))
        );
        assert_eq!(
            decode_sgtin96((0x30u128 << 88) | (7u128 << 82)),
            Err(EpcError::Partition(7))
        );
        // Partition 6 holds a 6-digit company prefix in 20 bits: 2^20 - 1 overflows.
        let overflow = (0x30u128 << 88) | (6u128 << 82) | (((1u128 << 20) - 1) << 62);
        assert!(matches!(
            decode_sgtin96(overflow),
            Err(EpcError::FieldOverflow { .. })
        ));
        assert!(epc_from_hex("30").is_err());
        assert!(epc_from_hex("3074257BF7194E4000001AZ5").is_err());
    }
}
