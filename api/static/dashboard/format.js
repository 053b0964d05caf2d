// Number and date formatting for people, in the browser's language.
const LOCALE = navigator.languages && navigator.languages.length ? navigator.languages[0] : "en-US";
export const CURRENCY = "USD";

const moneyFormat = new Intl.NumberFormat(LOCALE, {
  style: "currency",
  currency: CURRENCY,
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const countFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const compactMoney = new Intl.NumberFormat(LOCALE, {
  style: "currency",
  currency: CURRENCY,
  notation: "compact",
  maximumFractionDigits: 1,
});
const dayFormat = new Intl.DateTimeFormat(LOCALE, {
  year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
});
const shortDay = new Intl.DateTimeFormat(LOCALE, { month: "short", day: "numeric", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

export const money = (value) => moneyFormat.format(value);
export const count = (value) => countFormat.format(value);
export const units = (value) => `${countFormat.format(value)} ${value === 1 ? "unit" : "units"}`;
export const moneyShort = (value) => compactMoney.format(value);
export const day = (iso) => dayFormat.format(parseDay(iso));
export const dayShort = (iso) => shortDay.format(parseDay(iso));

export function dateTime(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? String(iso) : timeFormat.format(when);
}

/** A YYYY-MM-DD string as a Date at UTC midnight (no time-zone drift). */
export function parseDay(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(iso, n) {
  const date = parseDay(iso);
  date.setUTCDate(date.getUTCDate() + n);
  return isoDay(date);
}

/** Every YYYY-MM-DD from `from` to `to`, inclusive (capped, so a huge range cannot hang the page). */
export function daysBetween(from, to, cap = 1000) {
  const days = [];
  for (let d = from; d <= to && days.length < cap; d = addDays(d, 1)) days.push(d);
  return days;
}

/** Cents as an integer, so sums of money do not drift. */
export const cents = (value) => Math.round(Number(value) * 100);
