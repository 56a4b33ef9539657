//! Log-probabilities in OpenAI's two shapes: the chat API's `logprobs.content` (a list of
//! tokens with their bytes and alternatives) and the completions API's parallel lists
//! (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`).

use serde_json::{Map, Value, json};

use crate::engine::TokenLogprobs;

/// The most alternatives a request may ask for (OpenAI's limit for chat; vLLM's too).
pub const MAX_TOP: i64 = 20;

/// What a request asks for: -1 for no log-probabilities, else the number of alternatives.
/// Chat: `logprobs: true` and `top_logprobs: N`; completions: `logprobs: N`. An invalid
/// value gives the message and the parameter's name.
pub fn requested(v: &Value, chat: bool) -> Result<i64, (String, &'static str)> {
    let count = |key: &'static str| -> Result<Option<i64>, (String, &'static str)> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => match x.as_i64() {
                Some(n) if (0..=MAX_TOP).contains(&n) => Ok(Some(n)),
                _ => Err((
                    format!("`{key}` must be an integer from 0 to {MAX_TOP}"),
                    key,
                )),
            },
        }
    };
    if !chat {
        return Ok(count("logprobs")?.unwrap_or(-1));
    }
    let on = match v.get("logprobs") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(("`logprobs` must be true or false".into(), "logprobs")),
    };
    match (on, count("top_logprobs")?) {
        (true, n) => Ok(n.unwrap_or(0)),
        (false, Some(_)) => Err((
            "`top_logprobs` needs `logprobs: true`".into(),
            "top_logprobs",
        )),
        (false, None) => Ok(-1),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `logprobs` of a choice (or of a streamed chunk) holding `entries`; for completions,
/// `offset` is the position of the first entry's text in the whole answer.
pub fn to_json(entries: &[TokenLogprobs], chat: bool, offset: usize) -> Value {
    if chat {
        let one =
            |bytes: &[u8], lp: f64| json!({"token": text(bytes), "logprob": lp, "bytes": bytes});
        let content: Vec<Value> = entries
            .iter()
            .map(|e| {
                let mut v = one(&e.bytes, e.logprob);
                v["top_logprobs"] = e.top.iter().map(|(b, lp)| one(b, *lp)).collect();
                v
            })
            .collect();
        return json!({"content": content});
    }
    let mut at = offset;
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(at);
        at += text(&e.bytes).len();
    }
    let top: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut m = Map::new();
            for (b, lp) in &e.top {
                m.entry(text(b)).or_insert(json!(lp));
            }
            Value::Object(m)
        })
        .collect();
    json!({
        "tokens": entries.iter().map(|e| text(&e.bytes)).collect::<Vec<_>>(),
        "token_logprobs": entries.iter().map(|e| e.logprob).collect::<Vec<_>>(),
        "top_logprobs": top,
        "text_offset": offsets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(t: &str, lp: f64, top: &[(&str, f64)]) -> TokenLogprobs {
        TokenLogprobs {
            bytes: t.as_bytes().to_vec(),
            logprob: lp,
            top: top
                .iter()
                .map(|(b, l)| (b.as_bytes().to_vec(), *l))
                .collect(),
        }
    }

    #[test]
    fn requests() {
        assert_eq!(requested(&json!({}), true), Ok(-1));
        assert_eq!(requested(&json!({"logprobs": true}), true), Ok(0));
        assert_eq!(
            requested(&json!({"logprobs": true, "top_logprobs": 3}), true),
            Ok(3)
        );
        assert!(requested(&json!({"top_logprobs": 3}), true).is_err());
        assert!(requested(&json!({"logprobs": true, "top_logprobs": 21}), true).is_err());
        assert!(requested(&json!({"logprobs": 2}), true).is_err());
        assert_eq!(requested(&json!({"logprobs": 2}), false), Ok(2));
        assert!(requested(&json!({"logprobs": -1}), false).is_err());
        assert_eq!(requested(&json!({"logprobs": null}), false), Ok(-1));
    }

    #[test]
    fn shapes() {
        let es = [
            entry("Hi", -0.5, &[("Hi", -0.5), ("Hello", -1.5)]),
            entry(" there", -0.25, &[]),
        ];
        let c = to_json(&es, true, 0);
        assert_eq!(c["content"][0]["token"], "Hi");
        assert_eq!(c["content"][0]["bytes"], json!([72, 105]));
        assert_eq!(c["content"][0]["top_logprobs"][1]["token"], "Hello");
        assert_eq!(c["content"][1]["top_logprobs"], json!([]));
        let p = to_json(&es, false, 4);
        assert_eq!(p["tokens"], json!(["Hi", " there"]));
        assert_eq!(p["token_logprobs"], json!([-0.5, -0.25]));
        assert_eq!(p["text_offset"], json!([4, 6]));
        assert_eq!(p["top_logprobs"][0]["Hello"], json!(-1.5));
    }
}
