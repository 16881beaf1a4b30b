//! Windows-1252, the code page of SQL Server's default collation and of SQL_C_CHAR in a
//! non-UTF-8 locale: Latin-1 plus typographic characters in 0x80..0x9F.

/// Characters of 0x80..=0x9F; the five bytes Windows-1252 leaves undefined map to the C1
/// control of the same value, as Windows does.
const HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn decode_byte(b: u8) -> char {
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The byte of a character, `?` for characters Windows-1252 lacks.
pub fn encode_char(c: char) -> u8 {
    match u32::from(c) {
        v @ (0..=0x7F | 0xA0..=0xFF) => v as u8,
        _ => HIGH
            .iter()
            .position(|&h| h == c)
            .map_or(b'?', |i| 0x80 + i as u8),
    }
}

pub fn decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| decode_byte(b)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(super::encode_char(super::decode_byte(b)), b);
        }
        assert_eq!(super::encode_char('€'), 0x80);
        assert_eq!(super::encode_char('é'), 0xE9);
        assert_eq!(super::encode_char('😀'), b'?');
    }
}
