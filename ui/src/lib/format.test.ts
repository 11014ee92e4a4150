import { describe, expect, it } from "vitest";
import { formatCompact, formatDate, formatPhone, roundRupiah, formatDateTime, formatNumber, formatPercent, formatQty, formatRupiah, formatTime } from "./format";

describe("formatting", () => {
  it("formats rupiah with dot grouping", () => {
    expect(formatRupiah("1234567")).toBe("Rp 1.234.567");
    expect(formatRupiah("12500")).toBe("Rp 12.500");
    expect(formatRupiah("0")).toBe("Rp 0");
    expect(formatRupiah("-5000")).toBe("-Rp 5.000");
    expect(formatRupiah("999")).toBe("Rp 999");
  });
  it("keeps decimals exact with a comma", () => {
    expect(formatNumber("1.25")).toBe("1,25");
    expect(formatNumber("1234567.5")).toBe("1.234.567,5");
    expect(formatNumber("0.125")).toBe("0,125");
    expect(formatNumber("10.50")).toBe("10,5");
    expect(formatNumber("12345678901234567890.5")).toBe("12.345.678.901.234.567.890,5");
  });
  it("formats quantities with units", () => {
    expect(formatQty("1.25", "kg")).toBe("1,25 kg");
    expect(formatQty("40", "pcs")).toBe("40 pcs");
    expect(formatQty("3", null)).toBe("3");
  });
  it("short forms", () => {
    expect(formatCompact("12000")).toBe("12rb");
    expect(formatCompact("12500")).toBe("12,5rb");
    expect(formatCompact("1500000")).toBe("1,5 jt");
    expect(formatCompact("750")).toBe("750");
  });
  it("percent from a fraction", () => {
    expect(formatPercent("0.2312")).toBe("23,1%");
    expect(formatPercent("0.1")).toBe("10%");
    expect(formatPercent("0")).toBe("0%");
  });
  it("shows times in shop time", () => {
    expect(formatTime("2026-11-21T01:00:00.000Z", 7 * 60)).toBe("21/11 08:00");
    expect(formatTime("2026-11-20T17:30:00.000Z", 7 * 60)).toBe("21/11 00:30");
    expect(formatTime("2026-11-20T17:30:00.000Z", 9 * 60)).toBe("21/11 02:30");
  });
  it("writes dates the Indonesian way, in the shop's zone", () => {
    // 23:30 UTC on the 21st is 06:30 on the 22nd in Jakarta (UTC+7).
    expect(formatDateTime("2026-11-21T23:30:00.000Z", 420)).toBe("22/11/2026 06:30");
    expect(formatDateTime("2026-12-31T17:00:00.000Z", 420)).toBe("01/01/2027 00:00");
    expect(formatDate("2026-11-05")).toBe("05/11/2026");
    expect(formatDate("kemarin")).toBe("kemarin");
  });
  it("writes phones the Indonesian way", () => {
    expect(formatPhone("6281234500012")).toBe("0812-3450-0012");
    expect(formatPhone("628123456789")).toBe("0812-3456-789");
    expect(formatPhone("+1 555")).toBe("+1 555");
    expect(formatPhone(null)).toBe("");
  });
  it("rounds an average cost to the rupiah for display", () => {
    expect(roundRupiah("12345.4999")).toBe("12345");
    expect(roundRupiah("12345.5")).toBe("12346");
    expect(roundRupiah("99999.5")).toBe("100000");
    expect(roundRupiah("-2.5")).toBe("-3");
    expect(roundRupiah("0.4")).toBe("0");
    expect(roundRupiah("7")).toBe("7");
  });
});
