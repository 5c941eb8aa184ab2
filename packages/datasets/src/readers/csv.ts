/**
 * A small RFC 4180 CSV/TSV parser: a header row, fields separated by a delimiter, double-quoted fields
 * that may hold delimiters, newlines and `""` for a quote; CRLF or LF line ends. Pure TypeScript.
 */

/** One CSV record: its fields and the 1-based line where it starts. */
export interface CsvRecord {
  fields: string[];
  line: number;
  /** Set when the record is malformed (an unterminated quote, text after a closing quote). */
  error?: string;
}

/**
 * Splits CSV text into records. Blank lines (outside quotes) are ignored. Never throws: a malformed
 * record carries `error`, and the parser resynchronises at the next line end outside quotes (for an
 * unterminated quote, the rest of the input is that one bad record).
 */
export function parseCsv(text: string, delimiter = ","): CsvRecord[] {
  const out: CsvRecord[] = [];
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  let i = 0;
  let line = 1;
  while (i < n) {
    // skip blank lines
    const c0 = text.charCodeAt(i);
    if (c0 === 10) {
      i++;
      line++;
      continue;
    }
    if (c0 === 13 && text.charCodeAt(i + 1) === 10) {
      i += 2;
      line++;
      continue;
    }
    const startLine = line;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      // one field
      if (text.charCodeAt(i) === 34) {
        i++;
        let val = "";
        let closed = false;
        while (i < n) {
          const j = text.indexOf('"', i);
          if (j < 0) break;
          val += text.slice(i, j);
          line += countNewlines(text, i, j);
          if (text.charCodeAt(j + 1) === 34) {
            val += '"';
            i = j + 2;
          } else {
            i = j + 1;
            closed = true;
            break;
          }
        }
        if (!closed) {
          line += countNewlines(text, i, n);
          i = n;
          error = "unterminated quoted field";
          fields.push(val);
          break;
        }
        fields.push(val);
        const c = text.charCodeAt(i);
        if (i < n && c !== d && c !== 10 && c !== 13) {
          error = "text after a closing quote";
          // resync at the end of the line
          while (i < n && text.charCodeAt(i) !== 10) i++;
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === 10 || (c === 13 && text.charCodeAt(j + 1) === 10)) break;
          j++;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === d) {
        i++;
        continue;
      }
      // end of record
      if (c === 13) i++;
      if (text.charCodeAt(i) === 10) {
        i++;
        line++;
      }
      break;
    }
    out.push(error === undefined ? { fields, line: startLine } : { fields, line: startLine, error });
  }
  return out;
}

function countNewlines(text: string, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) k++;
  return k;
}
