// strftime(3) in the C locale, for time() and strftime(), plus bpftrace's extensions
// (src/bpftrace.cpp format_timestamp): %f microseconds (6 digits), %l milliseconds (3),
// %k nanoseconds (9) of the second, substituted before the rest is formatted, as bpftrace
// does. Times are local (localtime_r), like bpftrace's.
const pad = (n: number, w = 2, c = "0") => String(n).padStart(w, c);
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function dayOfYear(d: Date): number {
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 864e5);
}

/** ISO 8601 week number and week-based year (%V, %G). */
function isoWeek(d: Date): { week: number; year: number } {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7)); // the Thursday of this week
  const year = t.getUTCFullYear();
  return { week: Math.ceil(((t.getTime() - Date.UTC(year, 0, 1)) / 864e5 + 1) / 7), year };
}

function tzOffset(d: Date): string {
  const o = -d.getTimezoneOffset();
  return `${o >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(o) / 60))}${pad(Math.abs(o) % 60)}`;
}

function tzName(d: Date): string {
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d).find((p) => p.type === "timeZoneName");
  return part?.value ?? "UTC";
}

/**
 * Format `d` like strftime(3). `nsOfSecond` is the nanoseconds within the second for the
 * extensions (defaults to the Date's milliseconds).
 */
export function strftime(fmt: string, d: Date, nsOfSecond = d.getMilliseconds() * 1_000_000): string {
  const ext = fmt
    .replace(/%f/g, pad(Math.floor(nsOfSecond / 1000), 6))
    .replace(/%k/g, pad(nsOfSecond, 9))
    .replace(/%l/g, pad(Math.floor(nsOfSecond / 1_000_000), 3));
  return ext.replace(/%([a-zA-Z%+])/g, (_, c: string) => conv(c, d));
}

function conv(c: string, d: Date): string {
  const h = d.getHours();
  switch (c) {
    case "a": return DAYS[d.getDay()]!.slice(0, 3);
    case "A": return DAYS[d.getDay()]!;
    case "b":
    case "h": return MONTHS[d.getMonth()]!.slice(0, 3);
    case "B": return MONTHS[d.getMonth()]!;
    case "c": return `${conv("a", d)} ${conv("b", d)} ${conv("e", d)} ${conv("T", d)} ${d.getFullYear()}`;
    case "C": return pad(Math.floor(d.getFullYear() / 100));
    case "d": return pad(d.getDate());
    case "D": return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
    case "e": return pad(d.getDate(), 2, " ");
    case "F": return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    case "g": return pad(isoWeek(d).year % 100);
    case "G": return String(isoWeek(d).year);
    case "H": return pad(h);
    case "I": return pad(((h + 11) % 12) + 1);
    case "j": return pad(dayOfYear(d) + 1, 3);
    case "m": return pad(d.getMonth() + 1);
    case "M": return pad(d.getMinutes());
    case "n": return "\n";
    case "p": return h < 12 ? "AM" : "PM";
    case "P": return h < 12 ? "am" : "pm";
    case "r": return `${conv("I", d)}:${conv("M", d)}:${conv("S", d)} ${conv("p", d)}`;
    case "R": return `${pad(h)}:${pad(d.getMinutes())}`;
    case "s": return String(Math.floor(d.getTime() / 1000));
    case "S": return pad(d.getSeconds());
    case "t": return "\t";
    case "T": return `${pad(h)}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    case "u": return String(d.getDay() === 0 ? 7 : d.getDay());
    case "U": return pad(Math.floor((dayOfYear(d) + 7 - d.getDay()) / 7));
    case "V": return pad(isoWeek(d).week);
    case "w": return String(d.getDay());
    case "W": return pad(Math.floor((dayOfYear(d) + 7 - ((d.getDay() + 6) % 7)) / 7));
    case "x": return conv("D", d);
    case "X": return conv("T", d);
    case "y": return pad(d.getFullYear() % 100);
    case "Y": return String(d.getFullYear());
    case "z": return tzOffset(d);
    case "Z": return tzName(d);
    case "%": return "%";
    default: return `%${c}`;
  }
}

/**
 * A strftime() value: `bootNs` nanoseconds since boot (CLOCK_BOOTTIME) → wall-clock time,
 * given the realtime clock at boot (CLOCK_REALTIME - CLOCK_BOOTTIME). bpftrace prints
 * "(?)" for the epoch itself.
 */
export function formatBootTimestamp(fmt: string, bootNs: bigint, realtimeAtBootNs: bigint): string {
  const ns = realtimeAtBootNs + bootNs;
  const secs = ns / 1_000_000_000n;
  if (secs === 0n) return "(?)";
  const rem = Number(ns - secs * 1_000_000_000n);
  return strftime(fmt, new Date(Number(secs) * 1000 + Math.floor(rem / 1_000_000)), rem);
}
