// Display formatting of exact decimals. Values arrive from Rust as canonical decimal strings
// ("12500", "1.25", "-3"); they are formatted as text, never through floating point.

/** "1234567.5" → "1.234.567,5" (Indonesian grouping). */
export function formatNumber(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "0";
  const s = String(value).trim();
  const negative = s.startsWith("-");
  const body = negative ? s.slice(1) : s;
  const [int, frac = ""] = body.split(".");
  const grouped = int.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  const out = frac && /[1-9]/.test(frac) ? `${grouped},${frac.replace(/0+$/, "")}` : grouped;
  return negative && out !== "0" ? `-${out}` : out;
}

/** "1234567" → "Rp 1.234.567"; negatives as "-Rp 5.000". */
export function formatRupiah(value: string | number | null | undefined): string {
  const n = formatNumber(value);
  return n.startsWith("-") ? `-Rp ${n.slice(1)}` : `Rp ${n}`;
}

/** "1.25", "kg" → "1,25 kg". */
export function formatQty(value: string | number, unit?: string | null): string {
  const n = formatNumber(value);
  return unit ? `${n} ${unit}` : n;
}

/** Short form for tight places: "12rb", "1,5 jt". */
export function formatCompact(value: string | number): string {
  const s = String(value);
  const negative = s.startsWith("-");
  const [int] = (negative ? s.slice(1) : s).split(".");
  const digits = int.replace(/^0+(?=\d)/, "");
  const shift = (d: string, places: number) => {
    const whole = d.slice(0, d.length - places) || "0";
    const rest = d.slice(d.length - places, d.length - places + 1).replace(/0$/, "");
    return rest ? `${whole},${rest}` : whole;
  };
  let out: string;
  if (digits.length > 6) out = `${formatNumber(shift(digits, 6).replace(",", "."))} jt`;
  else if (digits.length > 3) out = `${shift(digits, 3)}rb`;
  else out = digits;
  return negative ? `-${out}` : out;
}

/** "0.2312" → "23,1%". */
export function formatPercent(fraction: string): string {
  const [int, frac = ""] = fraction.replace("-", "").split(".");
  const padded = (frac + "0000").slice(0, 4);
  const whole = String(Number(int) * 100 + Number(padded.slice(0, 2)));
  const dec = padded.slice(2, 3);
  const sign = fraction.startsWith("-") ? "-" : "";
  return `${sign}${whole}${dec !== "0" ? "," + dec : ""}%`;
}

/** ISO UTC timestamp → "21/11 14:05" in shop time (UTC + offset), whatever the laptop's zone. */
export function formatTime(iso: string, offsetMinutes: number): string {
  const d = new Date(new Date(iso).getTime() + offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** A timestamp in the shop's zone as "22/11/2026 16:09" (Indonesian day/month/year). */
export function formatDateTime(iso: string, offsetMinutes: number): string {
  const d = new Date(new Date(iso).getTime() + offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** A local date "2026-11-22" as "22/11/2026". */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-");
  return d && m && y ? `${d}/${m}/${y}` : isoDate;
}

/** A phone kept in WhatsApp's form ("6281234500012") as Indonesians write it: "0812-3450-0012". */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return "";
  const local = phone.startsWith("62") ? "0" + phone.slice(2) : phone;
  if (!/^0\d{8,13}$/.test(local)) return phone;
  return [local.slice(0, 4), local.slice(4, 8), local.slice(8)].filter(Boolean).join("-");
}

/** A shop-local "2026-11-22 16:51:00" as "22/11/2026 16:51". */
export function formatDateTimeLocal(stamp: string): string {
  const [date, time = ""] = stamp.split(" ");
  return `${formatDate(date)} ${time.slice(0, 5)}`.trim();
}

/** A decimal string rounded to whole rupiah, half away from zero, as text ("12345.5" → "12346").
 *  Display only (average costs keep four decimals in the books). */
export function roundRupiah(value: string): string {
  const s = String(value).trim();
  const negative = s.startsWith("-");
  const [int, frac = ""] = (negative ? s.slice(1) : s).split(".");
  let digits = int.replace(/^0+(?=\d)/, "") || "0";
  if (frac && frac[0] >= "5") {
    // Add one to the integer part, digit by digit.
    const a = digits.split("");
    let i = a.length - 1;
    while (i >= 0 && a[i] === "9") (a[i] = "0"), i--;
    if (i < 0) a.unshift("1");
    else a[i] = String(Number(a[i]) + 1);
    digits = a.join("");
  }
  return negative && digits !== "0" ? `-${digits}` : digits;
}
