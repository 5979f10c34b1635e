//! Column readers: each decoded arrow column fed into the batch accumulator, cell by cell.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};

use crate::stats::{BatchAcc, Cell, Pos};

fn pos(part: u32, row: u64) -> Pos {
    Pos { part, line: None, row }
}

/// Feeds one arrow column into the batch accumulator, dispatching on the type once.
pub(super) fn feed(b: &mut BatchAcc<'_>, c: usize, arr: &ArrayRef, part: u32, first_row: u64) {
    let n = arr.len();
    // The validity bitmap once, rather than a dynamic call per cell.
    let nulls = arr.nulls().cloned();
    macro_rules! each {
        ($get:expr) => {
            for i in 0..n {
                let cell = if nulls.as_ref().is_some_and(|m| m.is_null(i)) { Cell::Null } else { $get(i) };
                b.push(c, i, pos(part, first_row + i as u64), cell);
            }
        };
    }
    match arr.data_type() {
        DataType::Utf8 => {
            let a = arr.as_string::<i32>();
            each!(|i| Cell::Str(a.value(i)));
        }
        DataType::LargeUtf8 => {
            let a = arr.as_string::<i64>();
            each!(|i| Cell::Str(a.value(i)));
        }
        DataType::Utf8View => {
            let a = arr.as_string_view();
            each!(|i| Cell::Str(a.value(i)));
        }
        DataType::Int8 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<Int8Type>().value(i)))),
        DataType::Int16 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<Int16Type>().value(i)))),
        DataType::Int32 => {
            let a = arr.as_primitive::<Int32Type>();
            each!(|i| Cell::Int(i64::from(a.value(i))));
        }
        DataType::Int64 => {
            let a = arr.as_primitive::<Int64Type>();
            each!(|i| Cell::Int(a.value(i)));
        }
        DataType::UInt8 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<UInt8Type>().value(i)))),
        DataType::UInt16 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<UInt16Type>().value(i)))),
        DataType::UInt32 => each!(|i| Cell::Int(i64::from(arr.as_primitive::<UInt32Type>().value(i)))),
        DataType::UInt64 => {
            let a = arr.as_primitive::<UInt64Type>();
            each!(|i| match i64::try_from(a.value(i)) {
                Ok(v) => Cell::Int(v),
                Err(_) => Cell::Float(a.value(i) as f64),
            });
        }
        DataType::Float16 => each!(|i| Cell::Float(f64::from(arr.as_primitive::<Float16Type>().value(i).to_f32()))),
        DataType::Float32 => {
            let a = arr.as_primitive::<Float32Type>();
            each!(|i| Cell::Float(f64::from(a.value(i))));
        }
        DataType::Float64 => {
            let a = arr.as_primitive::<Float64Type>();
            each!(|i| Cell::Float(a.value(i)));
        }
        DataType::Boolean => {
            let a = arr.as_boolean();
            each!(|i| Cell::Bool(a.value(i)));
        }
        DataType::Date32 => {
            let a = arr.as_primitive::<Date32Type>();
            each!(|i| Cell::Date(a.value(i)));
        }
        DataType::Date64 => {
            let a = arr.as_primitive::<Date64Type>();
            each!(|i| Cell::Timestamp(a.value(i).saturating_mul(1000)));
        }
        DataType::Timestamp(unit, _) => {
            let to_micros = |v: i64| match unit {
                TimeUnit::Second => v.saturating_mul(1_000_000),
                TimeUnit::Millisecond => v.saturating_mul(1000),
                TimeUnit::Microsecond => v,
                TimeUnit::Nanosecond => v.div_euclid(1000),
            };
            match unit {
                TimeUnit::Second => {
                    let a = arr.as_primitive::<TimestampSecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
                TimeUnit::Millisecond => {
                    let a = arr.as_primitive::<TimestampMillisecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
                TimeUnit::Microsecond => {
                    let a = arr.as_primitive::<TimestampMicrosecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
                TimeUnit::Nanosecond => {
                    let a = arr.as_primitive::<TimestampNanosecondType>();
                    each!(|i| Cell::Timestamp(to_micros(a.value(i))));
                }
            }
        }
        DataType::Decimal256(_, scale) => {
            let a = arr.as_primitive::<Decimal256Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| {
                // value = high · 2^128 + low
                let (low, high) = a.value(i).to_parts();
                Cell::Float((high as f64 * 2f64.powi(128) + low as f64) / div)
            });
        }
        DataType::Decimal128(_, scale) => {
            let a = arr.as_primitive::<Decimal128Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| Cell::Float(a.value(i) as f64 / div));
        }
        DataType::Decimal64(_, scale) => {
            let a = arr.as_primitive::<Decimal64Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| Cell::Float(a.value(i) as f64 / div));
        }
        DataType::Decimal32(_, scale) => {
            let a = arr.as_primitive::<Decimal32Type>();
            let div = 10f64.powi(i32::from(*scale));
            each!(|i| Cell::Float(f64::from(a.value(i)) / div));
        }
        DataType::Binary => {
            let a = arr.as_binary::<i32>();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::LargeBinary => {
            let a = arr.as_binary::<i64>();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::BinaryView => {
            let a = arr.as_binary_view();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::FixedSizeBinary(_) => {
            let a = arr.as_fixed_size_binary();
            each!(|i| Cell::Opaque(a.value(i)));
        }
        DataType::Time32(TimeUnit::Second) => {
            let a = arr.as_primitive::<Time32SecondType>();
            each!(|i| Cell::Int(i64::from(a.value(i))));
        }
        DataType::Time32(TimeUnit::Millisecond) => {
            let a = arr.as_primitive::<Time32MillisecondType>();
            each!(|i| Cell::Int(i64::from(a.value(i))));
        }
        DataType::Time64(TimeUnit::Microsecond) => {
            let a = arr.as_primitive::<Time64MicrosecondType>();
            each!(|i| Cell::Int(a.value(i)));
        }
        DataType::Time64(TimeUnit::Nanosecond) => {
            let a = arr.as_primitive::<Time64NanosecondType>();
            each!(|i| Cell::Int(a.value(i)));
        }
        DataType::Dictionary(_, _) => {
            let Some(d) = arr.as_any_dictionary_opt() else {
                each!(|_| Cell::Nested);
                return;
            };
            // An all-null column may have an empty dictionary (and `normalized_keys` panics
            // on one): every key is then null.
            if d.values().is_empty() {
                each!(|_| Cell::Null);
                return;
            }
            // The take indices keep the keys' nulls: a null key is a null cell, whatever
            // value its (arbitrary) index points at.
            let keys: Vec<u32> = d.normalized_keys().iter().map(|&k| k as u32).collect();
            let indices = arrow_array::UInt32Array::new(keys.into(), arr.nulls().cloned());
            match arrow_select::take::take(d.values().as_ref(), &indices, None) {
                Ok(flat) => feed(b, c, &flat, part, first_row),
                Err(_) => each!(|_| Cell::Nested),
            }
        }
        _ => each!(|_| Cell::Nested),
    }
}
