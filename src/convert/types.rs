//! The SQL Server type of a column or parameter and the ODBC descriptions of it.

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
    Decimal { precision: u8, scale: u8 },
    Numeric { precision: u8, scale: u8 },
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
    Time { scale: u8 },
    DateTime,
    SmallDateTime,
    DateTime2 { scale: u8 },
    DateTimeOffset { scale: u8 },
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
impl ServerType {
    /// SQL_DESC_CONCISE_TYPE: SQL_INTEGER, SQL_WVARCHAR, SQL_SS_TIME2 (-154)...
    pub fn sql_data_type(&self) -> i16 {
        todo!("convert: sql_data_type")
    }
    /// SQL_DESC_TYPE_NAME: "int", "nvarchar", "datetime2"...
    pub fn type_name(&self) -> &str {
        todo!("convert: type_name")
    }
    /// ColumnSize of SQLDescribeCol (0 for (max) types, as msodbcsql).
    pub fn column_size(&self) -> u64 {
        todo!("convert: column_size")
    }
    /// DecimalDigits of SQLDescribeCol.
    pub fn decimal_digits(&self) -> i16 {
        todo!("convert: decimal_digits")
    }
    /// SQL_DESC_DISPLAY_SIZE.
    pub fn display_size(&self) -> u64 {
        todo!("convert: display_size")
    }
    /// SQL_DESC_OCTET_LENGTH.
    pub fn octet_length(&self) -> u64 {
        todo!("convert: octet_length")
    }
}
