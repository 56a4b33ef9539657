//! Lists and dicts.

use super::{elems, list_of, s, str_list, strs, t};
use crate::dict::*;
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

fn set_i(d: *mut MjDict, k: i64, v: i64) {
    unsafe { mj_dict_set_int(d, k, &v as *const i64 as *const u8) }
}

fn get_i(d: *mut MjDict, k: i64) -> Option<i64> {
    let p = unsafe { mj_dict_get_int(d, k) };
    (!p.is_null()).then(|| unsafe { *(p as *const i64) })
}

fn items_i(d: *mut MjDict) -> Vec<(i64, i64)> {
    unsafe {
        (0..mj_dict_slots(d))
            .filter(|&i| mj_dict_alive(d, i) != 0)
            .map(|i| (mj_dict_key_int(d, i), *(mj_dict_val(d, i) as *const i64)))
            .collect()
    }
}

#[test]
fn dict_int_basics() {
    unsafe {
        let d = mj_dict_new(0, 8);
        assert_eq!(mj_dict_len(d), 0);
        assert_eq!(get_i(d, 1), None);
        set_i(d, 3, 30);
        set_i(d, 1, 10);
        set_i(d, 2, 20);
        set_i(d, 3, 33); // overwrite keeps position
        assert_eq!(items_i(d), [(3, 33), (1, 10), (2, 20)]);
        assert_eq!(mj_dict_del_int(d, 1), 1);
        assert_eq!(mj_dict_del_int(d, 1), 0);
        assert_eq!(mj_dict_len(d), 2);
        assert_eq!(items_i(d), [(3, 33), (2, 20)]);
        set_i(d, 1, 11); // re-inserted at the end
        assert_eq!(items_i(d), [(3, 33), (2, 20), (1, 11)]);
        // Write through the returned pointer.
        *(mj_dict_get_int(d, 2) as *mut i64) += 5;
        assert_eq!(get_i(d, 2), Some(25));
        let c = mj_dict_copy(d);
        set_i(c, 9, 9);
        assert_eq!(mj_dict_len(d), 3);
        assert_eq!(mj_dict_len(c), 4);
        mj_dict_clear(d);
        assert_eq!(mj_dict_len(d), 0);
        assert_eq!(mj_dict_slots(d), 0);
        assert_eq!(get_i(d, 3), None);
        assert_eq!(get_i(c, 3), Some(33));
    }
}

#[test]
fn dict_against_model() {
    // Random operations checked against a Vec-based ordered model.
    let d = unsafe { mj_dict_new(0, 8) };
    let mut model: Vec<(i64, i64)> = Vec::new();
    let mut x: u64 = 88172645463325252;
    for step in 0..200_000i64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let k = (x % 5000) as i64 - 2500;
        match x >> 60 {
            0..=8 => {
                set_i(d, k, step);
                match model.iter_mut().find(|e| e.0 == k) {
                    Some(e) => e.1 = step,
                    None => model.push((k, step)),
                }
            }
            9..=13 => {
                let removed = unsafe { mj_dict_del_int(d, k) };
                let pos = model.iter().position(|e| e.0 == k);
                assert_eq!(removed, pos.is_some() as i64);
                if let Some(p) = pos {
                    model.remove(p);
                }
            }
            _ => assert_eq!(get_i(d, k), model.iter().find(|e| e.0 == k).map(|e| e.1)),
        }
        if step % 20_000 == 0 {
            assert_eq!(items_i(d), model);
        }
    }
    assert_eq!(items_i(d), model);
    assert_eq!(unsafe { mj_dict_len(d) }, model.len() as i64);
}

#[test]
fn dict_str_keys_and_big_values() {
    unsafe {
        let d = mj_dict_new(1, 24);
        for i in 0..1000 {
            let v = [i as i64, 2 * i as i64, 3 * i as i64];
            mj_dict_set_str(d, s(&format!("key{i}")), v.as_ptr() as *const u8);
        }
        assert_eq!(mj_dict_len(d), 1000);
        // Lookup by content with a different pointer.
        let p = mj_dict_get_str(d, s("key123")) as *const [i64; 3];
        assert_eq!(p as usize % 16, 0, "values are 16-byte aligned");
        assert_eq!(*p, [123, 246, 369]);
        assert!(mj_dict_get_str(d, s("nope")).is_null());
        let lit = crate::MjStr {
            len: 4,
            data: b"key7".as_ptr(),
            rc: 0,
        };
        assert_eq!(mj_dict_del_str(d, &lit), 1);
        assert!(mj_dict_get_str(d, s("key7")).is_null());
        assert_eq!(t(mj_dict_key_str(d, 0)), "key0");
        assert_eq!(mj_dict_alive(d, 7), 0);
        assert_eq!(mj_dict_alive(d, 5000), 0);
        let keys: Vec<String> = (0..mj_dict_slots(d))
            .filter(|&i| mj_dict_alive(d, i) != 0)
            .map(|i| t(mj_dict_key_str(d, i)))
            .take(9)
            .collect();
        assert_eq!(
            keys,
            [
                "key0", "key1", "key2", "key3", "key4", "key5", "key6", "key8", "key9"
            ]
        );
        // Zero-sized values work as a set.
        let set = mj_dict_new(0, 0);
        mj_dict_set_int(set, 5, std::ptr::null());
        assert!(!mj_dict_get_int(set, 5).is_null());
    }
}
