/**
 * A strict parser of the Prometheus text format 0.0.4, written from the
 * format description, for tests: it throws on anything a Prometheus server
 * would reject (bad names, bad escapes, samples before TYPE, split families,
 * duplicate series, histograms without +Inf or with decreasing buckets).
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help?: string;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(s: string, line: number): number {
  if (s === "NaN") return NaN;
  if (s === "+Inf" || s === "Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new Error(`line ${line}: bad value '${s}'`);
  }
  return Number(s);
}

function parseLabels(s: string, line: number): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let rest = s.slice(1);
  while (true) {
    if (rest.startsWith("}")) return [labels, rest.slice(1)];
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`line ${line}: bad label name at '${rest}'`);
    const name = m[0];
    rest = rest.slice(name.length);
    if (!rest.startsWith('="')) throw new Error(`line ${line}: expected =" after ${name}`);
    rest = rest.slice(2);
    let value = "";
    for (;;) {
      if (rest.length === 0) throw new Error(`line ${line}: unterminated label value`);
      const ch = rest[0];
      if (ch === '"') {
        rest = rest.slice(1);
        break;
      }
      if (ch === "\\") {
        const next = rest[1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`line ${line}: bad escape \\${next}`);
        rest = rest.slice(2);
        continue;
      }
      value += ch;
      rest = rest.slice(1);
    }
    if (name in labels) throw new Error(`line ${line}: duplicate label ${name}`);
    labels[name] = value;
    if (rest.startsWith(",")) rest = rest.slice(1);
    else if (!rest.startsWith("}")) throw new Error(`line ${line}: expected , or }`);
  }
}

function familyOf(sample: string, families: Map<string, ParsedFamily>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sample.endsWith(suffix)) {
      const base = sample.slice(0, -suffix.length);
      if (families.get(base)?.type === "histogram") return base;
    }
  }
  return sample;
}

function checkHistogram(f: ParsedFamily): void {
  const series = new Map<string, { le: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let e = series.get(key);
    if (!e) series.set(key, e = { le: [] });
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      e.le.push([parseValue(le, 0), s.value]);
    } else if (s.name === `${f.name}_sum`) e.sum = s.value;
    else if (s.name === `${f.name}_count`) e.count = s.value;
    else throw new Error(`${f.name}: unexpected sample ${s.name}`);
  }
  for (const e of series.values()) {
    if (e.sum === undefined || e.count === undefined) {
      throw new Error(`${f.name}: missing _sum/_count`);
    }
    for (let i = 1; i < e.le.length; i++) {
      if (!(e.le[i][0] > e.le[i - 1][0])) throw new Error(`${f.name}: le not increasing`);
      if (e.le[i][1] < e.le[i - 1][1]) throw new Error(`${f.name}: buckets not cumulative`);
    }
    const last = e.le[e.le.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${f.name}: no +Inf bucket`);
    if (last[1] !== e.count) {
      throw new Error(`${f.name}: +Inf bucket ${last[1]} != count ${e.count}`);
    }
  }
}

/** Parses exposition text; throws on the first violation. */
export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("text must end with a line feed");
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const lines = text.split("\n");
  lines.pop();
  const enter = (name: string) => {
    if (current !== name) {
      if (closed.has(name)) throw new Error(`family ${name} is not contiguous`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
  };
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) ([^ ]+)(?: (.*))?$/.exec(raw);
      if (!m) return; // plain comment
      const [, kind, name, rest = ""] = m;
      if (!NAME.test(name) || NAME.exec(name)![0] !== name) {
        throw new Error(`line ${line}: bad name ${name}`);
      }
      enter(name);
      let f = families.get(name);
      if (!f) families.set(name, f = { name, type: "untyped", samples: [] });
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: bad type ${rest}`);
        if (f.samples.length > 0) throw new Error(`line ${line}: TYPE after samples of ${name}`);
        if ((f as ParsedFamily & { typed?: boolean }).typed) {
          throw new Error(`line ${line}: second TYPE`);
        }
        (f as ParsedFamily & { typed?: boolean }).typed = true;
        f.type = rest;
      } else {
        if (f.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) {
          throw new Error(`line ${line}: bad HELP escape`);
        }
        f.help = rest.replace(/\\(\\|n)/g, (_m, c) => (c === "n" ? "\n" : "\\"));
      }
      return;
    }
    const m = NAME.exec(raw);
    if (!m) throw new Error(`line ${line}: bad sample name in '${raw}'`);
    const name = m[0];
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) [labels, rest] = parseLabels(rest, line);
    if (!rest.startsWith(" ")) throw new Error(`line ${line}: expected space before value`);
    const parts = rest.trim().split(/ +/);
    if (parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: bad value part`);
    const value = parseValue(parts[0], line);
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1])) {
      throw new Error(`line ${line}: bad timestamp`);
    }
    const famName = familyOf(name, families);
    enter(famName);
    let f = families.get(famName);
    if (!f) families.set(famName, f = { name: famName, type: "untyped", samples: [] });
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
    seen.add(key);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}
