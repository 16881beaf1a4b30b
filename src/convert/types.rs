//! The SQL Server type of a column or parameter and the ODBC descriptions of it.

use super::codes::*;

/// A SQL Server type as COLMETADATA (or a parameter declaration) states it.
/// Lengths of character types are in characters, of binary types in bytes; `None` is `(max)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServerType {
    Bit,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Real,
    Float,
    Decimal {
        precision: u8,
        scale: u8,
    },
    Numeric {
        precision: u8,
        scale: u8,
    },
    Money,
    SmallMoney,
    Char(u32),
    VarChar(Option<u32>),
    Text,
    NChar(u32),
    NVarChar(Option<u32>),
    NText,
    Binary(u32),
    VarBinary(Option<u32>),
    Image,
    Date,
    Time {
        scale: u8,
    },
    DateTime,
    SmallDateTime,
    DateTime2 {
        scale: u8,
    },
    DateTimeOffset {
        scale: u8,
    },
    UniqueIdentifier,
    Xml,
    Variant,
    /// timestamp/rowversion (binary(8)).
    RowVersion,
    /// A CLR user-defined type (geography, hierarchyid...), sent as varbinary.
    Udt(String),
}

/// The ODBC descriptions of a server type (SQLDescribeCol, SQLColAttribute, SQLGetTypeInfo),
/// with the values msodbcsql reports.
///
/// Choices worth knowing (from Microsoft's SQLDescribeCol/SQLGetTypeInfo notes for the SQL
/// Server drivers and the ODBC appendix D tables):
/// - `(max)` types keep their short SQL type (SQL_VARCHAR, SQL_WVARCHAR, SQL_VARBINARY) with
///   ColumnSize 0 (SQL_SS_LENGTH_UNLIMITED); display size and octet length are 0 as well.
/// - xml is SQL_SS_XML with size 0; sql_variant is SQL_SS_VARIANT of 8000 bytes.
/// - real/float report their binary precision (24/53) like msodbcsql, not 7/15 digits.
/// - money/smallmoney are SQL_DECIMAL(19,4)/(10,4) named "money"/"smallmoney".
/// - timestamp/rowversion is SQL_BINARY(8) named "timestamp".
/// - text/ntext/image are the SQL_LONG* types with their historical maximum lengths.
impl ServerType {
    /// SQL_DESC_CONCISE_TYPE: SQL_INTEGER, SQL_WVARCHAR, SQL_SS_TIME2 (-154)...
    pub fn sql_data_type(&self) -> i16 {
        use ServerType::*;
        match self {
            Bit => SQL_BIT,
            TinyInt => SQL_TINYINT,
            SmallInt => SQL_SMALLINT,
            Int => SQL_INTEGER,
            BigInt => SQL_BIGINT,
            Real => SQL_REAL,
            Float => SQL_FLOAT,
            Decimal { .. } | Money | SmallMoney => SQL_DECIMAL,
            Numeric { .. } => SQL_NUMERIC,
            Char(_) => SQL_CHAR,
            VarChar(_) => SQL_VARCHAR,
            Text => SQL_LONGVARCHAR,
            NChar(_) => SQL_WCHAR,
            NVarChar(_) => SQL_WVARCHAR,
            NText => SQL_WLONGVARCHAR,
            Binary(_) | RowVersion => SQL_BINARY,
            VarBinary(_) => SQL_VARBINARY,
            Image => SQL_LONGVARBINARY,
            Date => SQL_TYPE_DATE,
            Time { .. } => SQL_SS_TIME2,
            DateTime | SmallDateTime | DateTime2 { .. } => SQL_TYPE_TIMESTAMP,
            DateTimeOffset { .. } => SQL_SS_TIMESTAMPOFFSET,
            UniqueIdentifier => SQL_GUID,
            Xml => SQL_SS_XML,
            Variant => SQL_SS_VARIANT,
            Udt(_) => SQL_SS_UDT,
        }
    }

    /// SQL_DESC_TYPE_NAME: "int", "nvarchar", "datetime2"...
    pub fn type_name(&self) -> &str {
        use ServerType::*;
        match self {
            Bit => "bit",
            TinyInt => "tinyint",
            SmallInt => "smallint",
            Int => "int",
            BigInt => "bigint",
            Real => "real",
            Float => "float",
            Decimal { .. } => "decimal",
            Numeric { .. } => "numeric",
            Money => "money",
            SmallMoney => "smallmoney",
            Char(_) => "char",
            VarChar(_) => "varchar",
            Text => "text",
            NChar(_) => "nchar",
            NVarChar(_) => "nvarchar",
            NText => "ntext",
            Binary(_) => "binary",
            VarBinary(_) => "varbinary",
            Image => "image",
            Date => "date",
            Time { .. } => "time",
            DateTime => "datetime",
            SmallDateTime => "smalldatetime",
            DateTime2 { .. } => "datetime2",
            DateTimeOffset { .. } => "datetimeoffset",
            UniqueIdentifier => "uniqueidentifier",
            Xml => "xml",
            Variant => "sql_variant",
            RowVersion => "timestamp",
            Udt(name) => name,
        }
    }

    /// ColumnSize of SQLDescribeCol (0 for (max) types, as msodbcsql).
    pub fn column_size(&self) -> u64 {
        use ServerType::*;
        match self {
            Bit => 1,
            TinyInt => 3,
            SmallInt => 5,
            Int => 10,
            BigInt => 19,
            Real => 24,
            Float => 53,
            Decimal { precision, .. } | Numeric { precision, .. } => u64::from(*precision),
            Money => 19,
            SmallMoney => 10,
            Char(n) | NChar(n) | Binary(n) => u64::from(*n),
            VarChar(n) | NVarChar(n) | VarBinary(n) => n.map_or(0, u64::from),
            Text | Image => 2_147_483_647,
            NText => 1_073_741_823,
            Date => 10,
            Time { scale } => with_fraction(8, *scale),
            DateTime => 23,
            SmallDateTime => 16,
            DateTime2 { scale } => with_fraction(19, *scale),
            DateTimeOffset { scale } => with_fraction(26, *scale),
            UniqueIdentifier => 36,
            Xml | Udt(_) => 0,
            Variant => 8000,
            RowVersion => 8,
        }
    }

    /// DecimalDigits of SQLDescribeCol.
    pub fn decimal_digits(&self) -> i16 {
        use ServerType::*;
        match self {
            Decimal { scale, .. } | Numeric { scale, .. } => i16::from(*scale),
            Money | SmallMoney => 4,
            Time { scale } | DateTime2 { scale } | DateTimeOffset { scale } => i16::from(*scale),
            DateTime => 3,
            _ => 0,
        }
    }

    /// SQL_DESC_DISPLAY_SIZE.
    pub fn display_size(&self) -> u64 {
        use ServerType::*;
        match self {
            Bit => 1,
            TinyInt => 3,
            SmallInt => 6,
            Int => 11,
            BigInt => 20,
            Real => 14,
            Float => 24,
            // Sign and decimal point around the digits.
            Decimal { .. } | Numeric { .. } | Money | SmallMoney => self.column_size() + 2,
            // Two hexadecimal digits a byte (image too: 2 * 2^31 - 2, as msodbcsql says).
            Binary(n) => 2 * u64::from(*n),
            Image => 4_294_967_294,
            // The seconds ("2024-01-02 03:04:00") although ColumnSize is 16.
            SmallDateTime => 19,
            VarBinary(n) => n.map_or(0, |n| 2 * u64::from(n)),
            RowVersion => 16,
            _ => self.column_size(),
        }
    }

    /// SQL_DESC_OCTET_LENGTH.
    pub fn octet_length(&self) -> u64 {
        use ServerType::*;
        match self {
            Bit | TinyInt => 1,
            SmallInt => 2,
            Int | Real => 4,
            BigInt | Float => 8,
            // The character form's length: digits, sign and decimal point.
            Decimal { .. } | Numeric { .. } | Money | SmallMoney => self.column_size() + 2,
            Char(n) | Binary(n) => u64::from(*n),
            VarChar(n) | VarBinary(n) => n.map_or(0, u64::from),
            NChar(n) => 2 * u64::from(*n),
            NVarChar(n) => n.map_or(0, |n| 2 * u64::from(n)),
            Text | Image => 2_147_483_647,
            NText => 2_147_483_646,
            Date => DATE_STRUCT_SIZE as u64,
            Time { .. } => SS_TIME2_STRUCT_SIZE as u64,
            DateTime | SmallDateTime | DateTime2 { .. } => TIMESTAMP_STRUCT_SIZE as u64,
            DateTimeOffset { .. } => SS_TIMESTAMPOFFSET_STRUCT_SIZE as u64,
            UniqueIdentifier => GUID_SIZE as u64,
            // msodbcsql reports 0 for sql_variant although ColumnSize is 8000.
            Xml | Udt(_) | Variant => 0,
            RowVersion => 8,
        }
    }

    /// Whether SQL_DESC_UNSIGNED is true (tinyint is SQL Server's only unsigned number; every
    /// non-numeric type counts as unsigned, as ODBC says).
    pub fn is_unsigned(&self) -> bool {
        use ServerType::*;
        !matches!(
            self,
            SmallInt
                | Int
                | BigInt
                | Real
                | Float
                | Decimal { .. }
                | Numeric { .. }
                | Money
                | SmallMoney
        )
    }

    /// True for the character types whose C representation is text (SQL_C_CHAR's natural
    /// home): char, varchar, text.
    pub fn is_narrow_char(&self) -> bool {
        matches!(
            self,
            ServerType::Char(_) | ServerType::VarChar(_) | ServerType::Text
        )
    }

    /// True for the Unicode character types: nchar, nvarchar, ntext, xml.
    pub fn is_wide_char(&self) -> bool {
        matches!(
            self,
            ServerType::NChar(_) | ServerType::NVarChar(_) | ServerType::NText | ServerType::Xml
        )
    }
}

/// Length of a time-of-day text form: the seconds, then a point and `scale` digits.
fn with_fraction(base: u64, scale: u8) -> u64 {
    if scale == 0 {
        base
    } else {
        base + 1 + u64::from(scale)
    }
}
