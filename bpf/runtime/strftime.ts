// A small strftime for time() and strftime(): the conversions bpftrace scripts use.
const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function strftime(fmt: string, d: Date, extraNs = 0): string {
  return fmt.replace(/%([a-zA-Z%])/g, (_, c: string) => {
    switch (c) {
      case "H": return pad(d.getHours());
      case "M": return pad(d.getMinutes());
      case "S": return pad(d.getSeconds());
      case "Y": return String(d.getFullYear());
      case "y": return pad(d.getFullYear() % 100);
      case "m": return pad(d.getMonth() + 1);
      case "d": return pad(d.getDate());
      case "e": return String(d.getDate()).padStart(2, " ");
      case "j": return pad(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 864e5) + 1, 3);
      case "a": return DAYS[d.getDay()]!;
      case "b": return MONTHS[d.getMonth()]!;
      case "p": return d.getHours() < 12 ? "AM" : "PM";
      case "I": return pad(((d.getHours() + 11) % 12) + 1);
      case "T": return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
      case "D": return `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`;
      case "F": return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
      case "s": return String(Math.floor(d.getTime() / 1000));
      case "f": return pad(d.getMilliseconds() * 1000 + Math.floor(extraNs / 1000) % 1000, 6);
      case "z": {
        const o = -d.getTimezoneOffset();
        return `${o >= 0 ? "+" : "-"}${pad(Math.floor(Math.abs(o) / 60))}${pad(Math.abs(o) % 60)}`;
      }
      case "Z": return "UTC";
      case "%": return "%";
      default: return `%${c}`;
    }
  });
}
