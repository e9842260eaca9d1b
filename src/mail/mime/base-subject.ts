// The base subject of RFC 5256 §2.1, which SORT (SUBJECT) and THREAD=REFERENCES/ORDEREDSUBJECT
// compare, and which threads replies ("Re: [list] Foo (fwd)") with their original ("Foo").

// subj-leader = (*subj-blob subj-refwd) / WSP; subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
// subj-blob = "[" *BLOBCHAR "]" *WSP, BLOBCHAR being any CHAR but "[" and "]".
const REFWD_LEADER = /^(?:\[[^[\]]*\][ \t]*)*(?:re|fwd?)[ \t]*(?:\[[^[\]]*\][ \t]*)?:/i;
const BLOB = /^\[[^[\]]*\][ \t]*/;
const TRAILER = /[ \t]*\(fwd\)[ \t]*$/i;

/** `subject` must already be RFC 2047-decoded (step 1 asks for that). */
export function baseSubject(subject: string): string {
  // (1) Unfold, and reduce runs of white space to one space.
  let s = subject.replace(/\r?\n/g, '').replace(/[ \t]+/g, ' ');
  for (;;) {
    // (2) Remove trailing "(fwd)" subj-trailers and white space.
    let previous: string;
    do {
      previous = s;
      s = s.replace(TRAILER, '').replace(/[ \t]+$/, '');
    } while (s !== previous);
    // (3)-(5): strip leaders, then a leading blob if something remains after it; repeat.
    do {
      previous = s;
      s = s.replace(/^[ \t]+/, '').replace(REFWD_LEADER, '');
      const blob = BLOB.exec(s);
      if (blob && s.slice(blob[0].length).trim() !== '') s = s.slice(blob[0].length);
    } while (s !== previous);
    // (6) "[fwd: ...]" wraps a whole forwarded subject: unwrap and start again from (2).
    if (s.length >= 6 && s.slice(0, 5).toLowerCase() === '[fwd:' && s.endsWith(']')) {
      s = s.slice(5, -1);
      continue;
    }
    return s;
  }
}
