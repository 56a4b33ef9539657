//! Lists.

use super::{elems, list_of, s, str_list, strs, t};
use crate::list::*;

#[test]
fn push_pop_insert() {
    unsafe {
        let l = list_of::<i64>(&[]);
        for i in 0..100i64 {
            mj_list_push(l, &i as *const i64 as *const u8);
        }
        assert_eq!(elems::<i64>(l), (0..100).collect::<Vec<_>>());
        assert!((*l).cap >= 100);
        let mut out = 0i64;
        let f = s("f.mj");
        mj_list_pop(l, -1, &mut out as *mut i64 as *mut u8, f, 1);
        assert_eq!(out, 99);
        mj_list_pop(l, 0, &mut out as *mut i64 as *mut u8, f, 1);
        assert_eq!(out, 0);
        assert_eq!((*l).len, 98);
        assert_eq!(elems::<i64>(l)[0], 1);
        let l = list_of::<i64>(&[1, 2, 3]);
        for (i, v) in [(0i64, 10i64), (-1, 20), (100, 30), (-100, 40)] {
            mj_list_insert(l, i, &v as *const i64 as *const u8);
        }
        // Python: [1,2,3] -> insert(0,10) -> insert(-1,20) -> insert(100,30) -> insert(-100,40)
        assert_eq!(elems::<i64>(l), [40, 10, 1, 2, 20, 3, 30]);
    }
}

#[test]
fn push_own_element_while_growing() {
    unsafe {
        let l = mj_list_new(8, 0);
        let v = 7i64;
        mj_list_push(l, &v as *const i64 as *const u8);
        for _ in 0..10 {
            // Pushing `l[0]` from inside the buffer must survive reallocation.
            mj_list_push(l, (*l).data);
        }
        assert_eq!(elems::<i64>(l), [7; 11]);
    }
}

#[test]
fn copy_extend_reverse_resize_clear() {
    unsafe {
        let l = list_of::<i32>(&[1, 2, 3]);
        let c = mj_list_copy(l);
        mj_list_reverse(l);
        assert_eq!(elems::<i32>(l), [3, 2, 1]);
        assert_eq!(elems::<i32>(c), [1, 2, 3]);
        mj_list_extend(c, l);
        assert_eq!(elems::<i32>(c), [1, 2, 3, 3, 2, 1]);
        mj_list_extend(l, l);
        assert_eq!(elems::<i32>(l), [3, 2, 1, 3, 2, 1]);
        let fill = 9i32;
        mj_list_resize(l, 8, &fill as *const i32 as *const u8);
        assert_eq!(elems::<i32>(l), [3, 2, 1, 3, 2, 1, 9, 9]);
        mj_list_resize(l, 2, std::ptr::null());
        assert_eq!(elems::<i32>(l), [3, 2]);
        mj_list_resize(l, 3, std::ptr::null());
        assert_eq!(elems::<i32>(l), [3, 2, 0]);
        mj_list_clear(l);
        assert_eq!((*l).len, 0);
        // A struct-sized element.
        let l = list_of::<[u8; 3]>(&[[1, 2, 3], [4, 5, 6]]);
        mj_list_reverse(l);
        assert_eq!(elems::<[u8; 3]>(l), [[4, 5, 6], [1, 2, 3]]);
    }
}

#[test]
fn list_slicing() {
    unsafe {
        let l = list_of::<i64>(&[0, 1, 2, 3, 4, 5]);
        assert_eq!(elems::<i64>(mj_list_slice(l, 1, 4, 0, 3)), [1, 2, 3]);
        assert_eq!(elems::<i64>(mj_list_slice(l, 0, 0, -2, 4)), [5, 3, 1]);
        assert_eq!(elems::<i64>(mj_list_slice(l, -2, 0, 0, 1)), [4, 5]);
        assert_eq!(
            elems::<i64>(mj_list_slice(l, 4, 1, 0, 3)),
            Vec::<i64>::new()
        );
    }
}

#[test]
fn sorting() {
    unsafe {
        let l = list_of::<i64>(&[3, -1, 2, 2, 10]);
        mj_list_sort_int(l, 0);
        assert_eq!(elems::<i64>(l), [-1, 2, 2, 3, 10]);
        mj_list_sort_int(l, 1);
        assert_eq!(elems::<i64>(l), [10, 3, 2, 2, -1]);
        let l = list_of::<f64>(&[2.5, -0.0, 0.0, -1.0, f64::INFINITY, 0.0, -0.0]);
        mj_list_sort_f64(l, 0);
        let got: Vec<String> = elems::<f64>(l).iter().map(|v| format!("{v:?}")).collect();
        // Stable: zeros keep their input order, as in Python.
        assert_eq!(got, ["-1.0", "-0.0", "0.0", "0.0", "-0.0", "2.5", "inf"]);
        mj_list_sort_f64(l, 1);
        let got: Vec<String> = elems::<f64>(l).iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(got, ["inf", "2.5", "-0.0", "0.0", "0.0", "-0.0", "-1.0"]);
        let l = list_of::<f64>(&[f64::NAN, 1.0, f64::NAN, 0.0]);
        mj_list_sort_f64(l, 0); // must not panic
        let l = str_list(&["pear", "apple", "Zoo", "éclair", "app"]);
        mj_list_sort_str(l, 0);
        assert_eq!(strs(l), ["Zoo", "app", "apple", "pear", "éclair"]);
        mj_list_sort_str(l, 1);
        assert_eq!(strs(l), ["éclair", "pear", "apple", "app", "Zoo"]);
    }
}

#[test]
fn find_and_repr() {
    unsafe {
        let li = list_of::<i64>(&[5, 6, 5]);
        assert_eq!(mj_list_find_int(li, 5), 0);
        assert_eq!(mj_list_find_int(li, 7), -1);
        let lf = list_of::<f64>(&[1.5, 2.0, 1e-05, -0.0, 1e16]);
        assert_eq!(mj_list_find_f64(lf, 2.0), 1);
        assert_eq!(mj_list_find_f64(lf, 0.0), 3);
        let ls = str_list(&["a", "it's", "b"]);
        assert_eq!(mj_list_find_str(ls, s("b")), 2);
        assert_eq!(mj_list_find_str(ls, s("c")), -1);
        assert_eq!(t(mj_list_repr_int(li)), "[5, 6, 5]");
        assert_eq!(t(mj_list_repr_int(list_of::<i64>(&[]))), "[]");
        assert_eq!(t(mj_list_repr_f64(lf)), "[1.5, 2.0, 1e-05, -0.0, 1e+16]");
        assert_eq!(t(mj_list_repr_str(ls)), "['a', \"it's\", 'b']");
        assert_eq!(
            t(mj_list_repr_bool(list_of::<u8>(&[1, 0]))),
            "[True, False]"
        );
    }
}
