//! Descriptors: records that own the fields applications bind through (ODBC 3.8).
//!
//! Every statement has four implicit descriptors (ARD, APD, IRD, IPD). An application may also
//! allocate descriptors on a connection (SQL_DESC_ALLOC_USER) and make one the ARD or APD of any
//! statement of that connection, shared by as many statements as it likes. The ARD and APD
//! records are where SQLBindCol and SQLBindParameter bindings live; the IPD holds the parameters'
//! SQL types; the IRD is read from the current result set. The header fields of the IRD and IPD
//! are statement attributes (SQL_ATTR_ROW_STATUS_PTR...), kept by the statement.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::params::ParamBinding;
use super::stmt::{ColBinding, Stmt};
use super::{AttrValue, columns};
use crate::diag::{DiagArea, Error, Result};

pub const TAG_DESC: u32 = 0x5344_4553; // "SDES"

/// What a descriptor is: one of a statement's implicit four, or one the application allocated
/// (which serves as an ARD or an APD).
pub const KIND_ARD: i32 = 10010;
pub const KIND_APD: i32 = 10011;
pub const KIND_IRD: i32 = 10012;
pub const KIND_IPD: i32 = 10013;
pub const KIND_USER: i32 = 0;

pub const SQL_DESC_ALLOC_AUTO: i64 = 1;
pub const SQL_DESC_ALLOC_USER: i64 = 2;

// Header fields.
pub const SQL_DESC_ARRAY_SIZE: i16 = 20;
pub const SQL_DESC_ARRAY_STATUS_PTR: i16 = 21;
pub const SQL_DESC_BIND_OFFSET_PTR: i16 = 24;
pub const SQL_DESC_BIND_TYPE: i16 = 25;
pub const SQL_DESC_ROWS_PROCESSED_PTR: i16 = 34;
pub const SQL_DESC_COUNT: i16 = 1001;
pub const SQL_DESC_ALLOC_TYPE: i16 = 1099;
// Record fields.
pub const SQL_DESC_CONCISE_TYPE: i16 = 2;
pub const SQL_DESC_TYPE: i16 = 1002;
pub const SQL_DESC_LENGTH: i16 = 1003;
pub const SQL_DESC_OCTET_LENGTH_PTR: i16 = 1004;
pub const SQL_DESC_PRECISION: i16 = 1005;
pub const SQL_DESC_SCALE: i16 = 1006;
pub const SQL_DESC_DATETIME_INTERVAL_CODE: i16 = 1007;
pub const SQL_DESC_NULLABLE: i16 = 1008;
pub const SQL_DESC_INDICATOR_PTR: i16 = 1009;
pub const SQL_DESC_DATA_PTR: i16 = 1010;
pub const SQL_DESC_NAME: i16 = 1011;
pub const SQL_DESC_UNNAMED: i16 = 1012;
pub const SQL_DESC_OCTET_LENGTH: i16 = 1013;
pub const SQL_DESC_PARAMETER_TYPE: i16 = 33;

const SQL_C_DEFAULT: i16 = 99;
const SQL_C_NUMERIC: i16 = 2;
const SQL_DATETIME: i16 = 9;
const SQL_INTERVAL: i16 = 10;
const SQL_PARAM_INPUT: i16 = 1;
const SQL_NULLABLE: i16 = 1;
const SQL_UNNAMED: i16 = 1;
/// msodbcsql's ARD precision for SQL_C_NUMERIC when the application sets none.
pub const DEFAULT_NUMERIC_PRECISION: u8 = 38;

/// The header fields that describe arrays of rows or parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub array_size: u64,
    pub array_status_ptr: usize,
    pub bind_offset_ptr: usize,
    pub bind_type: u64,
    pub rows_processed_ptr: usize,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            array_size: 1,
            array_status_ptr: 0,
            bind_offset_ptr: 0,
            bind_type: 0,
            rows_processed_ptr: 0,
        }
    }
}

/// One descriptor record: a column or parameter. Application descriptors use the type, length
/// and pointer fields; the IPD uses the type, length, precision, scale and parameter type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub concise_type: i16,
    /// SQL_DESC_TYPE: the concise type, or SQL_DATETIME / SQL_INTERVAL with the code below.
    pub verbose_type: i16,
    pub interval_code: i16,
    pub octet_length: isize,
    pub length: u64,
    pub precision: i16,
    pub scale: i16,
    pub data_ptr: usize,
    pub indicator_ptr: usize,
    pub octet_length_ptr: usize,
    pub parameter_type: i16,
}

impl Record {
    /// A record nothing was set on: SQL_C_DEFAULT in an application descriptor, no type yet in
    /// an implementation one.
    pub fn empty(kind: i32) -> Record {
        let ty = if is_application(kind) {
            SQL_C_DEFAULT
        } else {
            0
        };
        Record {
            concise_type: ty,
            verbose_type: ty,
            interval_code: 0,
            octet_length: 0,
            length: 0,
            precision: 0,
            scale: 0,
            data_ptr: 0,
            indicator_ptr: 0,
            octet_length_ptr: 0,
            parameter_type: SQL_PARAM_INPUT,
        }
    }

    /// Sets the concise type and the verbose type and interval code it implies.
    fn set_concise(&mut self, concise: i16) {
        self.concise_type = concise;
        (self.verbose_type, self.interval_code) = match concise {
            91..=93 => (SQL_DATETIME, concise - 90),
            101..=113 => (SQL_INTERVAL, concise - 100),
            other => (other, 0),
        };
    }

    /// Sets SQL_DESC_TYPE; a datetime or interval type takes its concise type from the code.
    fn set_verbose(&mut self, verbose: i16) {
        match verbose {
            SQL_DATETIME => {
                self.verbose_type = verbose;
                self.concise_type = 90 + self.interval_code;
            }
            SQL_INTERVAL => {
                self.verbose_type = verbose;
                self.concise_type = 100 + self.interval_code;
            }
            other => self.set_concise(other),
        }
    }

    fn set_interval_code(&mut self, code: i16) {
        self.interval_code = code;
        match self.verbose_type {
            SQL_DATETIME => self.concise_type = 90 + code,
            SQL_INTERVAL => self.concise_type = 100 + code,
            _ => {}
        }
    }

    /// The record has a buffer or an indicator: a bound column or parameter.
    fn has_pointers(&self) -> bool {
        self.data_ptr != 0 || self.indicator_ptr != 0 || self.octet_length_ptr != 0
    }

    /// The one address SQLBindCol/SQLBindParameter give for both length and indicator.
    fn length_indicator_addr(&self) -> usize {
        if self.indicator_ptr != 0 {
            self.indicator_ptr
        } else {
            self.octet_length_ptr
        }
    }

    /// SQL_DESC_PRECISION/SCALE as SQL_C_NUMERIC conversions use them.
    pub fn numeric(&self) -> (u8, i8) {
        let precision = if self.precision < 1 {
            DEFAULT_NUMERIC_PRECISION
        } else {
            self.precision.min(38) as u8
        };
        (precision, self.scale.clamp(-128, 127) as i8)
    }
}

/// A descriptor's header and records (SQL_DESC_COUNT is the number of records).
#[derive(Clone, Debug, Default)]
pub struct DescData {
    pub header: Header,
    pub records: Vec<Record>,
}

impl DescData {
    /// Record `rec` (1-based), if within SQL_DESC_COUNT.
    pub fn record(&self, rec: usize) -> Option<&Record> {
        rec.checked_sub(1).and_then(|i| self.records.get(i))
    }

    /// Record `rec` (1-based), raising SQL_DESC_COUNT to it when beyond.
    pub fn record_mut(&mut self, kind: i32, rec: usize) -> &mut Record {
        let i = rec.max(1) - 1;
        if self.records.len() <= i {
            self.records.resize(i + 1, Record::empty(kind));
        }
        &mut self.records[i]
    }

    /// SQL_DESC_COUNT: fewer records drops the rest, more adds empty ones. Like msodbcsql, the
    /// records kept are unbound (their data pointers become null).
    pub fn set_count(&mut self, kind: i32, count: usize) {
        self.records.resize(count, Record::empty(kind));
        for r in &mut self.records {
            r.data_ptr = 0;
        }
    }

    /// The column bindings as SQLBindCol describes them (None: the record is unset).
    pub fn col_bindings(&self) -> Vec<Option<ColBinding>> {
        self.records
            .iter()
            .map(|r| {
                let unset = !r.has_pointers() && r.concise_type == SQL_C_DEFAULT;
                (!unset).then_some(ColBinding {
                    c_type: r.concise_type,
                    value_addr: r.data_ptr,
                    buffer_len: r.octet_length,
                    ind_addr: r.length_indicator_addr(),
                })
            })
            .collect()
    }

    /// SQLBindCol on this (application row) descriptor; None unbinds the column, and unbinding
    /// the highest bound column lowers SQL_DESC_COUNT to the highest one still bound.
    pub fn bind_col(&mut self, kind: i32, col: usize, binding: Option<ColBinding>) {
        match binding {
            Some(b) => {
                let r = self.record_mut(kind, col);
                r.set_concise(b.c_type);
                r.data_ptr = b.value_addr;
                r.octet_length = b.buffer_len;
                r.indicator_ptr = b.ind_addr;
                r.octet_length_ptr = b.ind_addr;
            }
            None => {
                if col <= self.records.len() {
                    self.records[col - 1] = Record::empty(kind);
                }
                while self
                    .records
                    .last()
                    .is_some_and(|r| *r == Record::empty(kind))
                {
                    self.records.pop();
                }
            }
        }
    }
}

/// A descriptor handle object. Implicit descriptors belong to their statement; explicit ones to
/// their connection (which frees them on SQLDisconnect), shared through `Arc` with the
/// statements using them.
#[repr(C)]
pub struct Desc {
    /// The handle-type tag; set to TAG_FREED on release. A freed explicit descriptor may live on
    /// in statements that used it until they notice (they then revert to their implicit one).
    pub tag: AtomicU32,
    pub kind: i32,
    /// The statement that owns an implicit descriptor (its handle address, set once the
    /// statement is allocated); 0 for explicit descriptors.
    pub owner: AtomicUsize,
    /// The connection an explicit descriptor was allocated on (its address, an identity only).
    pub connection: usize,
    pub diag: Mutex<DiagArea>,
    data: Mutex<DescData>,
    /// Changes on every change (unique across descriptors), so readers can keep a copy and
    /// check it without locking.
    version: AtomicU64,
}

static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

fn next_version() -> u64 {
    NEXT_VERSION.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Desc {
    fn drop(&mut self) {
        self.tag.store(super::TAG_FREED, Ordering::Release);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// ARD, APD and explicitly allocated descriptors hold application (C type) records.
pub fn is_application(kind: i32) -> bool {
    matches!(kind, KIND_ARD | KIND_APD | KIND_USER)
}

impl Desc {
    fn new(kind: i32, connection: usize) -> Desc {
        Desc {
            tag: AtomicU32::new(TAG_DESC),
            kind,
            owner: AtomicUsize::new(0),
            connection,
            diag: Mutex::new(DiagArea::default()),
            data: Mutex::new(DescData::default()),
            version: AtomicU64::new(next_version()),
        }
    }

    /// One of a statement's implicit descriptors.
    pub fn implicit(kind: i32) -> Arc<Desc> {
        Arc::new(Desc::new(kind, 0))
    }

    /// A descriptor the application allocates on the connection at `connection`.
    pub fn explicit(connection: usize) -> Arc<Desc> {
        Arc::new(Desc::new(KIND_USER, connection))
    }

    pub fn is_explicit(&self) -> bool {
        self.kind == KIND_USER
    }

    /// SQLFreeHandle (or SQLDisconnect) released this explicit descriptor.
    pub fn is_freed(&self) -> bool {
        self.tag.load(Ordering::Acquire) != TAG_DESC
    }

    pub fn mark_freed(&self) {
        self.tag.store(super::TAG_FREED, Ordering::Release);
    }

    /// The handle the application knows this descriptor by.
    pub fn handle(&self) -> usize {
        self as *const Desc as usize
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Reads the header and records; also returns the version they correspond to.
    pub fn read<R>(&self, f: impl FnOnce(&DescData) -> R) -> (R, u64) {
        let data = lock(&self.data);
        let version = self.version();
        (f(&data), version)
    }

    /// Changes the header or records (readers' copies become stale).
    pub fn modify<R>(&self, f: impl FnOnce(&mut DescData) -> R) -> R {
        let mut data = lock(&self.data);
        let out = f(&mut data);
        self.version.store(next_version(), Ordering::Release);
        out
    }

    pub fn snapshot(&self) -> DescData {
        self.read(|d| d.clone()).0
    }
}

// ---- a statement's bindings ----

/// Where a statement's bindings live: its implicit descriptors, and the explicit ARD or APD the
/// application made current (SQL_ATTR_APP_ROW_DESC / SQL_ATTR_APP_PARAM_DESC). An explicit
/// descriptor freed while in use is noticed here and the implicit one takes over again.
pub struct Bindings {
    implicit_ard: Arc<Desc>,
    implicit_apd: Arc<Desc>,
    pub ipd: Arc<Desc>,
    pub explicit_ard: Option<Arc<Desc>>,
    pub explicit_apd: Option<Arc<Desc>>,
    /// A copy of the ARD in use as the fetch path reads it, valid while the descriptor's
    /// version is unchanged: fetching and SQLGetData take no descriptor lock per row.
    ard_view: ArdView,
}

/// The ARD in the form the fetch path uses.
pub struct ArdView {
    /// The descriptor (its handle) and version this copy was taken from.
    handle: usize,
    version: u64,
    pub bindings: Vec<Option<ColBinding>>,
    pub length_pointers: Vec<(usize, usize)>,
    numeric: Vec<(u8, i8)>,
    pub header: Header,
    /// Whether any column is bound (has a data pointer): SQLFetch has cells to write.
    pub any_bound: bool,
}

impl ArdView {
    fn of(handle: usize, version: u64, data: &DescData) -> ArdView {
        let bindings = data.col_bindings();
        ArdView {
            handle,
            version,
            any_bound: bindings.iter().flatten().any(|b| b.value_addr != 0),
            bindings,
            length_pointers: data
                .records
                .iter()
                .map(|r| (r.indicator_ptr, r.octet_length_ptr))
                .collect(),
            numeric: data.records.iter().map(|r| r.numeric()).collect(),
            header: data.header,
        }
    }

    pub fn numeric(&self, col: u16) -> (u8, i8) {
        usize::from(col)
            .checked_sub(1)
            .and_then(|i| self.numeric.get(i).copied())
            .unwrap_or((DEFAULT_NUMERIC_PRECISION, 0))
    }
}

/// Statement attributes that are header fields of the ARD (row arrays) or APD (parameter
/// arrays): (attribute, is ARD, descriptor field).
const APP_HEADER_ATTRS: [(i32, bool, i16); 8] = [
    (27, true, SQL_DESC_ARRAY_SIZE),        // SQL_ATTR_ROW_ARRAY_SIZE
    (5, true, SQL_DESC_BIND_TYPE),          // SQL_ATTR_ROW_BIND_TYPE
    (23, true, SQL_DESC_BIND_OFFSET_PTR),   // SQL_ATTR_ROW_BIND_OFFSET_PTR
    (24, true, SQL_DESC_ARRAY_STATUS_PTR),  // SQL_ATTR_ROW_OPERATION_PTR
    (22, false, SQL_DESC_ARRAY_SIZE),       // SQL_ATTR_PARAMSET_SIZE
    (18, false, SQL_DESC_BIND_TYPE),        // SQL_ATTR_PARAM_BIND_TYPE
    (17, false, SQL_DESC_BIND_OFFSET_PTR),  // SQL_ATTR_PARAM_BIND_OFFSET_PTR
    (19, false, SQL_DESC_ARRAY_STATUS_PTR), // SQL_ATTR_PARAM_OPERATION_PTR
];

impl Bindings {
    pub fn new(descriptors: &[Arc<Desc>; 4]) -> Bindings {
        Bindings {
            implicit_ard: descriptors[0].clone(),
            implicit_apd: descriptors[1].clone(),
            ipd: descriptors[3].clone(),
            explicit_ard: None,
            explicit_apd: None,
            ard_view: ArdView {
                handle: 0,
                version: 0,
                bindings: Vec::new(),
                length_pointers: Vec::new(),
                numeric: Vec::new(),
                header: Header::default(),
                any_bound: false,
            },
        }
    }

    /// The ARD in use.
    pub fn ard(&self) -> &Arc<Desc> {
        match &self.explicit_ard {
            Some(d) if !d.is_freed() => d,
            _ => &self.implicit_ard,
        }
    }

    /// The APD in use.
    pub fn apd(&self) -> &Arc<Desc> {
        match &self.explicit_apd {
            Some(d) if !d.is_freed() => d,
            _ => &self.implicit_apd,
        }
    }

    fn ard_view_is_fresh(&self) -> bool {
        let ard = self.ard();
        self.ard_view.handle == ard.handle() && self.ard_view.version == ard.version()
    }

    pub fn refresh_ard_view(&mut self) {
        if self.ard_view_is_fresh() {
            return;
        }
        let ard = self.ard().clone();
        let handle = ard.handle();
        let (view, version) = ard.read(|data| ArdView::of(handle, 0, data));
        self.ard_view = ArdView { version, ..view };
    }

    /// Runs `f` on the ARD in use: on the kept copy when it is current, else on a fresh one.
    pub fn with_ard<R>(&self, f: impl FnOnce(&ArdView) -> R) -> R {
        if self.ard_view_is_fresh() {
            return f(&self.ard_view);
        }
        let (view, _) = self.ard().read(|data| ArdView::of(0, 0, data));
        f(&view)
    }

    /// The value of an ARD/APD header attribute; None for other attributes.
    pub fn header_attr(&self, attr: i32) -> Option<i64> {
        let &(_, row, field) = APP_HEADER_ATTRS.iter().find(|(a, _, _)| *a == attr)?;
        Some(if row {
            self.with_ard(|view| header_value(&view.header, field))
        } else {
            self.apd().read(|d| header_value(&d.header, field)).0
        })
    }

    /// Sets an ARD/APD header attribute on the descriptor in use; false for other attributes.
    pub fn set_header_attr(&self, attr: i32, value: i64) -> bool {
        let Some(&(_, row, field)) = APP_HEADER_ATTRS.iter().find(|(a, _, _)| *a == attr) else {
            return false;
        };
        let desc = if row { self.ard() } else { self.apd() };
        desc.modify(|d| set_header_value(&mut d.header, field, value));
        true
    }
}

// ---- the statement's parameter view: APD and IPD records side by side ----

/// The parameter bindings of an APD and an IPD as SQLBindParameter describes them. A parameter
/// is bound when it has an APD record and its IPD record has a type (SQLBindParameter sets both;
/// an output parameter may have no buffers at all).
pub fn param_bindings(apd: &DescData, ipd: &DescData) -> Vec<Option<ParamBinding>> {
    apd.records
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let p = ipd.records.get(i)?;
            if p.concise_type == 0 {
                return None;
            }
            Some(ParamBinding {
                io_type: p.parameter_type,
                c_type: a.concise_type,
                sql_type: p.concise_type,
                column_size: ipd_column_size(p),
                decimal_digits: ipd_decimal_digits(p),
                value_addr: a.data_ptr,
                buffer_len: a.octet_length,
                ind_addr: a.length_indicator_addr(),
            })
        })
        .collect()
}

/// SQL types whose column size is SQL_DESC_PRECISION (digits) rather than SQL_DESC_LENGTH.
fn sized_by_precision(sql_type: i16) -> bool {
    matches!(sql_type, 2 | 3 | 6 | 7 | 8)
}

/// SQL types whose decimal digits are the seconds precision (SQL_DESC_PRECISION).
fn digits_are_seconds(sql_type: i16) -> bool {
    matches!(sql_type, 10 | 11 | 92 | 93 | -154 | -155)
}

fn ipd_column_size(p: &Record) -> u64 {
    if sized_by_precision(p.concise_type) {
        p.precision.max(0) as u64
    } else if p.length == 0 && p.precision > 0 {
        p.precision as u64
    } else {
        p.length
    }
}

fn ipd_decimal_digits(p: &Record) -> i16 {
    if digits_are_seconds(p.concise_type) {
        p.precision
    } else {
        p.scale
    }
}

/// SQLBindParameter: the APD half of the binding.
pub fn bind_apd(apd: &mut DescData, kind: i32, number: usize, b: &ParamBinding) {
    let r = apd.record_mut(kind, number);
    r.set_concise(b.c_type);
    r.data_ptr = b.value_addr;
    r.octet_length = b.buffer_len;
    r.indicator_ptr = b.ind_addr;
    r.octet_length_ptr = b.ind_addr;
}

/// SQLBindParameter: the IPD half of the binding.
pub fn bind_ipd(ipd: &mut DescData, number: usize, b: &ParamBinding) {
    let r = ipd.record_mut(KIND_IPD, number);
    r.set_concise(b.sql_type);
    r.parameter_type = b.io_type;
    r.length = b.column_size;
    r.scale = b.decimal_digits;
    r.precision = if sized_by_precision(b.sql_type) {
        b.column_size.min(i16::MAX as u64) as i16
    } else if digits_are_seconds(b.sql_type) {
        b.decimal_digits
    } else {
        0
    };
    r.octet_length = b.column_size.min(isize::MAX as u64) as isize;
}

// ---- SQLGetDescField / SQLSetDescField ----

/// The statement attribute an IRD or IPD header field stands for.
fn implementation_header_attr(kind: i32, field: i16) -> Option<i32> {
    Some(match (kind, field) {
        (KIND_IRD, SQL_DESC_ARRAY_STATUS_PTR) => 25, // SQL_ATTR_ROW_STATUS_PTR
        (KIND_IRD, SQL_DESC_ROWS_PROCESSED_PTR) => 26, // SQL_ATTR_ROWS_FETCHED_PTR
        (KIND_IPD, SQL_DESC_ARRAY_STATUS_PTR) => 20, // SQL_ATTR_PARAM_STATUS_PTR
        (KIND_IPD, SQL_DESC_ROWS_PROCESSED_PTR) => 21, // SQL_ATTR_PARAMS_PROCESSED_PTR
        _ => return None,
    })
}

fn is_header_field(field: i16) -> bool {
    matches!(
        field,
        SQL_DESC_ARRAY_SIZE
            | SQL_DESC_ARRAY_STATUS_PTR
            | SQL_DESC_BIND_OFFSET_PTR
            | SQL_DESC_BIND_TYPE
            | SQL_DESC_ROWS_PROCESSED_PTR
            | SQL_DESC_COUNT
            | SQL_DESC_ALLOC_TYPE
    )
}

fn header_value(h: &Header, field: i16) -> i64 {
    match field {
        SQL_DESC_ARRAY_SIZE => h.array_size as i64,
        SQL_DESC_ARRAY_STATUS_PTR => h.array_status_ptr as i64,
        SQL_DESC_BIND_OFFSET_PTR => h.bind_offset_ptr as i64,
        SQL_DESC_BIND_TYPE => h.bind_type as i64,
        _ => h.rows_processed_ptr as i64,
    }
}

fn set_header_value(h: &mut Header, field: i16, value: i64) {
    match field {
        SQL_DESC_ARRAY_SIZE => h.array_size = value as u64,
        SQL_DESC_ARRAY_STATUS_PTR => h.array_status_ptr = value as usize,
        SQL_DESC_BIND_OFFSET_PTR => h.bind_offset_ptr = value as usize,
        SQL_DESC_BIND_TYPE => h.bind_type = value as u64,
        _ => h.rows_processed_ptr = value as usize,
    }
}

/// The statement an implicit IRD or IPD needs for its header and (IRD) records.
fn owner_stmt(stmt: Option<&Stmt>) -> Result<&Stmt> {
    stmt.ok_or_else(|| Error::general("Descriptor has no statement"))
}

/// SQLGetDescField. `stmt` is the owning statement of an implicit descriptor. Ok(None): the
/// record is beyond SQL_DESC_COUNT (SQL_NO_DATA).
pub fn get_field(d: &Desc, stmt: Option<&Stmt>, rec: i16, field: i16) -> Result<Option<AttrValue>> {
    let int = |v: i64| Ok(Some(AttrValue::Int(v)));
    if field == SQL_DESC_ALLOC_TYPE {
        return int(if d.is_explicit() {
            SQL_DESC_ALLOC_USER
        } else {
            SQL_DESC_ALLOC_AUTO
        });
    }
    if d.kind == KIND_IRD {
        return get_ird_field(owner_stmt(stmt)?, rec, field);
    }
    if is_header_field(field) {
        if let Some(attr) = implementation_header_attr(d.kind, field) {
            return owner_stmt(stmt)?.get_attr(attr).map(Some);
        }
        if !is_application(d.kind) && field != SQL_DESC_COUNT {
            return Err(unknown(field));
        }
        let (v, _) = d.read(|data| match field {
            SQL_DESC_COUNT => data.records.len() as i64,
            _ => header_value(&data.header, field),
        });
        return int(v);
    }
    if rec < 1 {
        return Err(Error::invalid_descriptor_index());
    }
    let (record, _) = d.read(|data| data.record(rec as usize).copied());
    let Some(r) = record else {
        return Ok(None);
    };
    let application = is_application(d.kind);
    let v = match field {
        SQL_DESC_TYPE => i64::from(r.verbose_type),
        SQL_DESC_CONCISE_TYPE => i64::from(r.concise_type),
        SQL_DESC_DATETIME_INTERVAL_CODE => i64::from(r.interval_code),
        SQL_DESC_OCTET_LENGTH => r.octet_length as i64,
        SQL_DESC_LENGTH => r.length as i64,
        SQL_DESC_PRECISION => i64::from(r.precision),
        SQL_DESC_SCALE => i64::from(r.scale),
        SQL_DESC_DATA_PTR if application => r.data_ptr as i64,
        SQL_DESC_INDICATOR_PTR if application => r.indicator_ptr as i64,
        SQL_DESC_OCTET_LENGTH_PTR if application => r.octet_length_ptr as i64,
        SQL_DESC_PARAMETER_TYPE if !application => i64::from(r.parameter_type),
        SQL_DESC_NULLABLE if !application => i64::from(SQL_NULLABLE),
        SQL_DESC_UNNAMED if !application => i64::from(SQL_UNNAMED),
        SQL_DESC_NAME if !application => return Ok(Some(AttrValue::Text(String::new()))),
        other => return Err(unknown(other)),
    };
    int(v)
}

/// The IRD: the current result set's columns, and the statement's row status attributes.
fn get_ird_field(stmt: &Stmt, rec: i16, field: i16) -> Result<Option<AttrValue>> {
    if let Some(attr) = implementation_header_attr(KIND_IRD, field) {
        return stmt.get_attr(attr).map(Some);
    }
    let ncols = stmt.num_result_cols()?;
    if field == SQL_DESC_COUNT {
        return Ok(Some(AttrValue::Int(i64::from(ncols))));
    }
    if is_header_field(field) {
        return Err(unknown(field));
    }
    if rec < 1 {
        return Err(Error::invalid_descriptor_index());
    }
    if rec > ncols {
        return Ok(None);
    }
    let col = stmt.column(rec as u16)?;
    if field == SQL_DESC_DATETIME_INTERVAL_CODE {
        let concise = columns::data_type_for_version(col.ty.sql_data_type(), 3);
        return Ok(Some(AttrValue::Int(match concise {
            91..=93 => i64::from(concise - 90),
            _ => 0,
        })));
    }
    columns::attribute(&col, ncols as usize, field as u16, stmt.dbc.odbc_version).map(Some)
}

/// SQLSetDescField. Setting a record field other than the deferred pointers unbinds the
/// record (its data pointer becomes null), as the ODBC reference says; setting
/// SQL_DESC_DATA_PTR runs the consistency check.
pub fn set_field(
    d: &Desc,
    stmt: Option<&Stmt>,
    diag: &mut DiagArea,
    rec: i16,
    field: i16,
    value: i64,
) -> Result<()> {
    if field == SQL_DESC_ALLOC_TYPE {
        return Err(unknown(field));
    }
    if let Some(attr) = implementation_header_attr(d.kind, field) {
        return owner_stmt(stmt)?.set_attr(diag, attr, value);
    }
    if d.kind == KIND_IRD {
        return Err(ird_read_only());
    }
    if is_header_field(field) {
        if field == SQL_DESC_COUNT {
            if value < 0 {
                return Err(Error::invalid_descriptor_index());
            }
            d.modify(|data| data.set_count(d.kind, value.min(i16::MAX.into()) as usize));
            return Ok(());
        }
        if !is_application(d.kind) {
            return Err(unknown(field));
        }
        d.modify(|data| set_header_value(&mut data.header, field, value));
        return Ok(());
    }
    if rec < 1 {
        return Err(Error::invalid_descriptor_index());
    }
    let application = is_application(d.kind);
    let kind = d.kind;
    d.modify(|data| {
        if field == SQL_DESC_DATA_PTR && value != 0 {
            let candidate = data
                .record(rec as usize)
                .copied()
                .unwrap_or(Record::empty(kind));
            consistency_check(&candidate, application)?;
        }
        if field == SQL_DESC_DATA_PTR && !application {
            // An IPD data pointer only asks for the check; it is not stored.
            data.record_mut(kind, rec as usize);
            return Ok(());
        }
        let r = data.record_mut(kind, rec as usize);
        set_record_field(r, application, field, value)
    })
}

fn set_record_field(r: &mut Record, application: bool, field: i16, value: i64) -> Result<()> {
    let deferred = matches!(
        field,
        SQL_DESC_DATA_PTR | SQL_DESC_INDICATOR_PTR | SQL_DESC_OCTET_LENGTH_PTR
    );
    match field {
        SQL_DESC_TYPE | SQL_DESC_CONCISE_TYPE => {
            // A type the record cannot hold leaves it as it was (HY021, as msodbcsql).
            let mut typed = *r;
            if field == SQL_DESC_TYPE {
                typed.set_verbose(value as i16);
            } else {
                typed.set_concise(value as i16);
            }
            if application && !is_c_type(typed.concise_type) {
                return Err(Error::new("HY021", "Inconsistent descriptor information"));
            }
            if typed.concise_type == SQL_C_NUMERIC || typed.concise_type == 3 {
                typed.precision = i16::from(DEFAULT_NUMERIC_PRECISION);
                typed.scale = 0;
            }
            *r = typed;
        }
        SQL_DESC_DATETIME_INTERVAL_CODE => r.set_interval_code(value as i16),
        SQL_DESC_OCTET_LENGTH => r.octet_length = value as isize,
        SQL_DESC_LENGTH => r.length = value.max(0) as u64,
        SQL_DESC_PRECISION => r.precision = value as i16,
        SQL_DESC_SCALE => r.scale = value as i16,
        SQL_DESC_DATA_PTR if application => r.data_ptr = value as usize,
        SQL_DESC_INDICATOR_PTR if application => r.indicator_ptr = value as usize,
        SQL_DESC_OCTET_LENGTH_PTR if application => r.octet_length_ptr = value as usize,
        SQL_DESC_PARAMETER_TYPE if !application => {
            if !matches!(value, 1 | 2 | 4) {
                return Err(Error::new("HY105", "Invalid parameter type"));
            }
            r.parameter_type = value as i16;
        }
        SQL_DESC_UNNAMED if !application && value == i64::from(SQL_UNNAMED) => {}
        other => return Err(unknown(other)),
    }
    if !deferred && application {
        r.data_ptr = 0;
    }
    Ok(())
}

/// The C types a record of an application descriptor may hold.
fn is_c_type(c_type: i16) -> bool {
    crate::convert::to_c::c_type_size(c_type).is_some()
        || matches!(c_type, 1 | -8 | -2 | SQL_C_DEFAULT | 101..=113)
}

/// The consistency check of SQLSetDescRec: the type fields agree with each other (HY021) and
/// the precision and scale a numeric type needs are valid (HY104, as msodbcsql answers).
fn consistency_check(r: &Record, application: bool) -> Result<()> {
    let inconsistent = || Error::new("HY021", "Inconsistent descriptor information");
    match r.verbose_type {
        SQL_DATETIME if !(1..=3).contains(&r.interval_code) => return Err(inconsistent()),
        SQL_INTERVAL if !(1..=13).contains(&r.interval_code) => return Err(inconsistent()),
        _ => {}
    }
    if application && !is_c_type(r.concise_type) {
        return Err(inconsistent());
    }
    let numeric = if application {
        r.concise_type == SQL_C_NUMERIC
    } else {
        matches!(r.concise_type, 2 | 3)
    };
    if numeric && (!(1..=38).contains(&r.precision) || r.scale < 0 || r.scale > r.precision) {
        return Err(Error::new("HY104", "Invalid precision or scale value"));
    }
    Ok(())
}

fn unknown(field: i16) -> Error {
    Error::new(
        "HY091",
        format!("Invalid descriptor field identifier ({field})"),
    )
}

fn ird_read_only() -> Error {
    Error::new("HY016", "Cannot modify an implementation row descriptor")
}

/// SQLSetDescRec: type, subtype, octet length, precision, scale and the three pointers, then
/// the consistency check; when it fails the other fields stay set and the record stays unbound.
#[allow(clippy::too_many_arguments)]
pub fn set_rec(
    d: &Desc,
    rec: i16,
    ty: i16,
    subtype: i16,
    length: isize,
    precision: i16,
    scale: i16,
    data_ptr: usize,
    octet_length_ptr: usize,
    indicator_ptr: usize,
) -> Result<()> {
    if d.kind == KIND_IRD {
        return Err(ird_read_only());
    }
    if rec < 1 {
        return Err(Error::invalid_descriptor_index());
    }
    let application = is_application(d.kind);
    let kind = d.kind;
    d.modify(|data| {
        let r = data.record_mut(kind, rec as usize);
        r.interval_code = if ty == SQL_DATETIME || ty == SQL_INTERVAL {
            subtype
        } else {
            0
        };
        r.set_verbose(ty);
        r.octet_length = length;
        if !application {
            r.length = length.max(0) as u64;
        }
        r.precision = precision;
        r.scale = scale;
        if application {
            r.data_ptr = 0;
            r.octet_length_ptr = octet_length_ptr;
            r.indicator_ptr = indicator_ptr;
        }
        let checked = *r;
        consistency_check(&checked, application)?;
        if application {
            data.record_mut(kind, rec as usize).data_ptr = data_ptr;
        }
        Ok(())
    })
}

// ---- SQLCopyDesc ----

/// What SQLCopyDesc reads from a source descriptor: its header and records.
fn source_data(d: &Desc, stmt: Option<&Stmt>) -> Result<DescData> {
    match d.kind {
        KIND_IRD => ird_data(owner_stmt(stmt)?),
        KIND_IPD => {
            let mut data = d.snapshot();
            let stmt = owner_stmt(stmt)?;
            data.header.array_status_ptr = stmt_attr(stmt, 20)? as usize;
            data.header.rows_processed_ptr = stmt_attr(stmt, 21)? as usize;
            Ok(data)
        }
        _ => Ok(d.snapshot()),
    }
}

fn stmt_attr(stmt: &Stmt, attr: i32) -> Result<i64> {
    Ok(match stmt.get_attr(attr)? {
        AttrValue::Int(v) => v,
        AttrValue::Text(_) => 0,
    })
}

/// The IRD as records: one per result column, with the types SQLColAttribute reports. HY007
/// when the statement has neither been prepared nor executed.
fn ird_data(stmt: &Stmt) -> Result<DescData> {
    let columns = stmt.columns();
    if columns.is_none() && stmt.prepared_sql().is_none() {
        return Err(Error::new("HY007", "Associated statement is not prepared"));
    }
    let mut data = DescData {
        header: Header {
            array_status_ptr: stmt_attr(stmt, 25)? as usize,
            rows_processed_ptr: stmt_attr(stmt, 26)? as usize,
            ..Header::default()
        },
        records: Vec::new(),
    };
    let columns = columns.unwrap_or_default();
    for col in columns.iter() {
        let field = |f: i16| match columns::attribute(col, columns.len(), f as u16, 3) {
            Ok(AttrValue::Int(v)) => v,
            _ => 0,
        };
        let mut r = Record::empty(KIND_IRD);
        r.set_concise(field(SQL_DESC_CONCISE_TYPE) as i16);
        r.octet_length = field(SQL_DESC_OCTET_LENGTH) as isize;
        r.length = field(SQL_DESC_LENGTH).max(0) as u64;
        r.precision = field(SQL_DESC_PRECISION).clamp(0, i16::MAX.into()) as i16;
        r.scale = field(SQL_DESC_SCALE) as i16;
        data.records.push(r);
    }
    Ok(data)
}

/// SQLCopyDesc: the target gets the source's header and records (SQL_DESC_ALLOC_TYPE stays).
/// An IRD cannot be a target (HY016); pointers do not carry into an implementation
/// descriptor, which has none.
pub fn copy(
    source: &Desc,
    source_stmt: Option<&Stmt>,
    target: &Desc,
    target_stmt: Option<&Stmt>,
    diag: &mut DiagArea,
) -> Result<()> {
    if target.kind == KIND_IRD {
        return Err(ird_read_only());
    }
    let data = source_data(source, source_stmt)?;
    if target.kind == KIND_IPD {
        let stmt = owner_stmt(target_stmt)?;
        stmt.set_attr(diag, 20, data.header.array_status_ptr as i64)?;
        stmt.set_attr(diag, 21, data.header.rows_processed_ptr as i64)?;
    }
    let application = is_application(target.kind);
    target.modify(|into| {
        if application {
            into.header = data.header;
        }
        into.records = data
            .records
            .iter()
            .map(|r| {
                let mut r = *r;
                if !application {
                    r.data_ptr = 0;
                    r.indicator_ptr = 0;
                    r.octet_length_ptr = 0;
                }
                r
            })
            .collect();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(sql_type: i16, column_size: u64, decimal_digits: i16) -> ParamBinding {
        ParamBinding {
            io_type: 1,
            c_type: 4,
            sql_type,
            column_size,
            decimal_digits,
            value_addr: 0x1000,
            buffer_len: 0,
            ind_addr: 0x2000,
        }
    }

    #[test]
    fn sql_bind_parameter_round_trips_through_apd_and_ipd_records() {
        let (mut apd, mut ipd) = (DescData::default(), DescData::default());
        for (i, b) in [binding(3, 10, 2), binding(93, 27, 7), binding(-9, 50, 0)]
            .iter()
            .enumerate()
        {
            bind_apd(&mut apd, KIND_APD, i + 1, b);
            bind_ipd(&mut ipd, i + 1, b);
        }
        let back = param_bindings(&apd, &ipd);
        let sizes: Vec<(i16, u64, i16)> = back
            .iter()
            .map(|b| {
                b.map(|b| (b.sql_type, b.column_size, b.decimal_digits))
                    .unwrap()
            })
            .collect();
        assert_eq!(sizes, [(3, 10, 2), (93, 27, 7), (-9, 50, 0)]);
        // The timestamp's verbose type and code, as SQLGetDescField reads them.
        assert_eq!(
            (ipd.records[1].verbose_type, ipd.records[1].interval_code),
            (9, 3)
        );
    }

    #[test]
    fn a_parameter_needs_an_apd_record_and_an_ipd_type() {
        let mut apd = DescData::default();
        let mut ipd = DescData::default();
        // An output parameter whose value is discarded: no buffers, still bound.
        let discarded = ParamBinding {
            io_type: 4,
            value_addr: 0,
            ind_addr: 0,
            ..binding(4, 0, 0)
        };
        bind_apd(&mut apd, KIND_APD, 2, &discarded);
        bind_ipd(&mut ipd, 2, &discarded);
        let back = param_bindings(&apd, &ipd);
        assert!(back[0].is_none() && back[1].is_some());
        ipd.records[1].concise_type = 0;
        assert!(param_bindings(&apd, &ipd)[1].is_none());
        apd.records.clear();
        ipd.records[1].concise_type = 4;
        assert!(param_bindings(&apd, &ipd).is_empty());
    }

    #[test]
    fn unbinding_the_last_column_lowers_the_count() {
        let mut ard = DescData::default();
        let col = |addr| ColBinding {
            c_type: 4,
            value_addr: addr,
            buffer_len: 4,
            ind_addr: 0,
        };
        ard.bind_col(KIND_ARD, 1, Some(col(8)));
        ard.bind_col(KIND_ARD, 3, Some(col(16)));
        assert_eq!(ard.records.len(), 3);
        assert!(ard.col_bindings()[1].is_none());
        ard.bind_col(KIND_ARD, 3, None);
        assert_eq!(ard.records.len(), 1);
    }

    #[test]
    fn setting_count_keeps_records_but_unbinds_them() {
        let mut ard = DescData::default();
        ard.record_mut(KIND_ARD, 2).data_ptr = 8;
        ard.set_count(KIND_ARD, 3);
        assert_eq!(ard.records.len(), 3);
        assert!(ard.records.iter().all(|r| r.data_ptr == 0));
    }

    #[test]
    fn type_fields_follow_each_other_and_bad_values_are_refused() {
        let mut r = Record::empty(KIND_ARD);
        set_record_field(&mut r, true, SQL_DESC_CONCISE_TYPE, 93).unwrap();
        assert_eq!((r.verbose_type, r.interval_code), (SQL_DATETIME, 3));
        let err = set_record_field(&mut r, true, SQL_DESC_CONCISE_TYPE, 1234).unwrap_err();
        assert_eq!(err.sqlstate(), "HY021");
        assert_eq!(r.concise_type, 93);
        set_record_field(&mut r, true, SQL_DESC_TYPE, i64::from(SQL_C_NUMERIC)).unwrap();
        assert_eq!((r.precision, r.scale), (38, 0));
        r.precision = 50;
        assert_eq!(consistency_check(&r, true).unwrap_err().sqlstate(), "HY104");
        r.precision = 10;
        assert!(consistency_check(&r, true).is_ok());
    }

    #[test]
    fn a_non_pointer_field_unbinds_the_record() {
        let mut r = Record::empty(KIND_ARD);
        set_record_field(&mut r, true, SQL_DESC_DATA_PTR, 64).unwrap();
        set_record_field(&mut r, true, SQL_DESC_INDICATOR_PTR, 72).unwrap();
        assert_eq!(r.data_ptr, 64);
        set_record_field(&mut r, true, SQL_DESC_OCTET_LENGTH, 10).unwrap();
        assert_eq!((r.data_ptr, r.indicator_ptr), (0, 72));
    }
}
