// strftime(3) for time() and strftime(): the C conversions bpftrace scripts use, in local time
// (TZ honoured through Date), plus bpftrace's `%f` extension (microseconds, 6 digits).

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

const pad = (n: number, width: number, fill = '0'): string => String(n).padStart(width, fill);

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.round((new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) / 86400000) + 1;
}

function tzOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${sign}${pad(Math.floor(a / 60), 2)}${pad(a % 60, 2)}`;
}

function tzName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/** Format nanoseconds since the Unix epoch with a strftime(3) format, in local time. */
export function strftime(format: string, epochNs: bigint): string {
  const ms = Number(epochNs / 1000000n);
  const d = new Date(ms);
  const micros = Number((epochNs % 1000000000n) / 1000n);
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%' || i + 1 >= format.length) {
      out += c;
      continue;
    }
    const spec = format[++i]!;
    const h12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
    switch (spec) {
      case 'Y': out += d.getFullYear(); break;
      case 'C': out += pad(Math.floor(d.getFullYear() / 100), 2); break;
      case 'y': out += pad(d.getFullYear() % 100, 2); break;
      case 'm': out += pad(d.getMonth() + 1, 2); break;
      case 'd': out += pad(d.getDate(), 2); break;
      case 'e': out += pad(d.getDate(), 2, ' '); break;
      case 'H': out += pad(d.getHours(), 2); break;
      case 'k': out += pad(d.getHours(), 2, ' '); break;
      case 'I': out += pad(h12, 2); break;
      case 'l': out += pad(h12, 2, ' '); break;
      case 'M': out += pad(d.getMinutes(), 2); break;
      case 'S': out += pad(d.getSeconds(), 2); break;
      case 'f': out += pad(micros, 6); break;
      case 'p': out += d.getHours() < 12 ? 'AM' : 'PM'; break;
      case 'P': out += d.getHours() < 12 ? 'am' : 'pm'; break;
      case 'a': out += DAYS[d.getDay()]!.slice(0, 3); break;
      case 'A': out += DAYS[d.getDay()]; break;
      case 'b': case 'h': out += MONTHS[d.getMonth()]!.slice(0, 3); break;
      case 'B': out += MONTHS[d.getMonth()]; break;
      case 'j': out += pad(dayOfYear(d), 3); break;
      case 'u': out += d.getDay() === 0 ? 7 : d.getDay(); break;
      case 'w': out += d.getDay(); break;
      case 's': out += Math.floor(ms / 1000); break;
      case 'z': out += tzOffset(d); break;
      case 'Z': out += tzName(d); break;
      case 'T': out += strftime('%H:%M:%S', epochNs); break;
      case 'R': out += strftime('%H:%M', epochNs); break;
      case 'D': out += strftime('%m/%d/%y', epochNs); break;
      case 'F': out += strftime('%Y-%m-%d', epochNs); break;
      case 'r': out += strftime('%I:%M:%S %p', epochNs); break;
      case 'c': out += strftime('%a %b %e %H:%M:%S %Y', epochNs); break;
      case 'x': out += strftime('%m/%d/%y', epochNs); break;
      case 'X': out += strftime('%H:%M:%S', epochNs); break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '%': out += '%'; break;
      default: out += '%' + spec;
    }
  }
  return out;
}
