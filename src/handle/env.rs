//! The environment handle: ODBC version and pooling attributes.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use super::{AttrValue, TAG_ENV};
use crate::diag::{DiagArea, Error, Result};

pub const SQL_ATTR_ODBC_VERSION: i32 = 200;
pub const SQL_ATTR_CONNECTION_POOLING: i32 = 201;
pub const SQL_ATTR_CP_MATCH: i32 = 202;
pub const SQL_ATTR_OUTPUT_NTS: i32 = 10001;
pub const SQL_OV_ODBC2: i32 = 2;
pub const SQL_OV_ODBC3: i32 = 3;
pub const SQL_OV_ODBC3_80: i32 = 380;

#[repr(C)]
pub struct Env {
    /// The handle-type tag; set to TAG_FREED on release (atomic: other clones may read it).
    pub tag: std::sync::atomic::AtomicU32,
    pub diag: Mutex<DiagArea>,
    odbc_version: AtomicI32,
    pooling: AtomicI32,
    cp_match: AtomicI32,
}

impl Env {
    pub fn new() -> Self {
        Env {
            tag: std::sync::atomic::AtomicU32::new(TAG_ENV),
            diag: Mutex::new(DiagArea::default()),
            odbc_version: AtomicI32::new(SQL_OV_ODBC3),
            pooling: AtomicI32::new(0),
            cp_match: AtomicI32::new(0),
        }
    }

    pub fn odbc_version(&self) -> i32 {
        self.odbc_version.load(Ordering::Relaxed)
    }

    pub fn set_attr(&self, attr: i32, value: i64) -> Result<()> {
        match attr {
            SQL_ATTR_ODBC_VERSION => match value as i32 {
                SQL_OV_ODBC2 | SQL_OV_ODBC3 | SQL_OV_ODBC3_80 => {
                    self.odbc_version.store(value as i32, Ordering::Relaxed);
                    Ok(())
                }
                _ => Err(Error::invalid_attribute_value()),
            },
            SQL_ATTR_CONNECTION_POOLING => {
                self.pooling.store(value as i32, Ordering::Relaxed);
                Ok(())
            }
            SQL_ATTR_CP_MATCH => {
                self.cp_match.store(value as i32, Ordering::Relaxed);
                Ok(())
            }
            SQL_ATTR_OUTPUT_NTS if value == 1 => Ok(()),
            SQL_ATTR_OUTPUT_NTS => Err(Error::optional_feature("")),
            other => Err(Error::invalid_attribute(other)),
        }
    }

    pub fn get_attr(&self, attr: i32) -> Result<AttrValue> {
        Ok(AttrValue::Int(match attr {
            SQL_ATTR_ODBC_VERSION => i64::from(self.odbc_version()),
            SQL_ATTR_CONNECTION_POOLING => i64::from(self.pooling.load(Ordering::Relaxed)),
            SQL_ATTR_CP_MATCH => i64::from(self.cp_match.load(Ordering::Relaxed)),
            SQL_ATTR_OUTPUT_NTS => 1,
            other => return Err(Error::invalid_attribute(other)),
        }))
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}
