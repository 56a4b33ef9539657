//! The mj semantic layer: the salsa database, name resolution, type checking and the
//! typed IR handed to the compiler. Pure: files come in through the database.

pub mod check;
pub mod db;
pub mod handles;
pub mod imports;
pub mod suggest;
pub mod tir;
pub mod ty;
