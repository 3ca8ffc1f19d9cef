//! JSON bodies in the published docs' layout: `{"message": "Request submitted"}`, with a space
//! after each `:` and `,`, so responses match the documented bytes exactly.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

struct Published;

/// `, ` before every element but the first.
fn separator<W: ?Sized + io::Write>(w: &mut W, first: bool) -> io::Result<()> {
    match first {
        true => Ok(()),
        false => w.write_all(b", "),
    }
}

impl Formatter for Published {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

pub fn to_string<T: Serialize>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    value
        .serialize(&mut Serializer::with_formatter(&mut out, Published))
        .expect("response bodies are plain data and always serialize");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn lays_out_like_the_published_docs() {
        assert_eq!(
            super::to_string(&json!({"message": "Request submitted"})),
            r#"{"message": "Request submitted"}"#
        );
        assert_eq!(
            super::to_string(&json!({"a": [1, 2], "b": {"c": null}})),
            r#"{"a": [1, 2], "b": {"c": null}}"#
        );
        assert_eq!(super::to_string(&json!([])), "[]");
        assert_eq!(super::to_string(&json!({})), "{}");
    }
}
