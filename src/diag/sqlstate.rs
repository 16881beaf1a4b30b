//! SQLSTATEs: server error numbers the way msodbcsql maps them, and ODBC 3 -> ODBC 2 states.

/// The SQLSTATE msodbcsql reports for a server error (class >= 11). Numbers it does not single
/// out get 42000.
pub fn server_error_sqlstate(number: u32, class: i32) -> &'static str {
    if class <= 10 {
        return "01000";
    }
    match number {
        18456 | 18452 | 18486 | 18487 | 18488 => "28000",
        208 | 3701 => "42S02",
        207 => "42S22",
        2714 => "42S01",
        1913 => "42S11",
        515 | 547 | 2601 | 2627 => "23000",
        1205 => "40001",
        // 2628 (the verbose truncation message) stays 42000 in msodbcsql 18.6.
        8152 => "22001",
        220 | 232 | 8115 => "22003",
        8134 => "22012",
        245 | 8114 | 8169 => "22018",
        241 => "22007",
        242 => "22008",
        266 | 3902 | 3903 => "25000",
        _ => "42000",
    }
}

/// The ODBC 2.x SQLSTATE for an ODBC 3.x one (what an application that set
/// SQL_OV_ODBC2 sees), per the ODBC "SQLSTATE Mappings" appendix.
pub fn odbc2_sqlstate(state: &str) -> &str {
    match state {
        "07005" => "24000",
        "07009" => "S1002",
        "42S01" => "S0001",
        "42S02" => "S0002",
        "42S11" => "S0011",
        "42S12" => "S0012",
        "42S21" => "S0021",
        "42S22" => "S0022",
        "HY000" => "S1000",
        "HY001" => "S1001",
        "HY003" => "S1003",
        "HY004" => "S1004",
        "HY008" => "S1008",
        "HY009" => "S1009",
        "HY010" => "S1010",
        "HY011" => "S1011",
        "HY012" => "S1012",
        "HY090" => "S1090",
        "HY091" => "S1091",
        "HY092" => "S1092",
        "HY096" => "S1096",
        "HY097" => "S1097",
        "HY098" => "S1098",
        "HY099" => "S1099",
        "HY100" => "S1100",
        "HY101" => "S1101",
        "HY103" => "S1103",
        "HY104" => "S1104",
        "HY105" => "S1105",
        "HY106" => "S1106",
        "HY107" => "S1107",
        "HY109" => "S1109",
        "HY110" => "S1110",
        "HY111" => "S1111",
        "HYC00" => "S1C00",
        "HYT00" => "S1T00",
        "HYT01" => "S1T00",
        other => other,
    }
}
