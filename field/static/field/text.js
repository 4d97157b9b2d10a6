// Vietnamese text: folding for search, the Vietnamese name order, dates as dd/mm/yyyy.
// A port of surveys/text.py (fold, vi_name_sort_key): the same results on both sides.

const MARKS = /[\u0300-\u036f]/g;

/** "  Đặng Thị  Hương" → "dang thi huong": no diacritics, đ → d, lower case, spaces collapsed. */
export function fold(text) {
  return String(text || "").replace(/[đĐ]/g, "d").normalize("NFKD").replace(MARKS, "").toLowerCase()
    .split(/\s+/).filter(Boolean).join(" ");
}

/** A name as stored: NFC, spaces collapsed, trimmed (surveys.text.clean_name). */
export function cleanName(text) {
  return String(text).normalize("NFC").split(/\s+/).filter(Boolean).join(" ");
}

const ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy";
const TONES = { "\u0300": 2, "\u0309": 3, "\u0303": 4, "\u0301": 5, "\u0323": 6 }; // huyền, hỏi, ngã, sắc, nặng
const VOWEL_MARKS = { "\u0306": { a: "ă" }, "\u0302": { a: "â", e: "ê", o: "ô" }, "\u031b": { o: "ơ", u: "ư" } };

function letterKey(ch) {
  const lower = ch.toLowerCase().normalize("NFD");
  let base = lower[0];
  let tone = 0;
  for (const mark of lower.slice(1)) {
    if (mark in TONES) tone = TONES[mark];
    else if (VOWEL_MARKS[mark] && VOWEL_MARKS[mark][base]) base = VOWEL_MARKS[mark][base];
  }
  const index = ALPHABET.indexOf(base);
  return [index >= 0 ? index : 100 + base.codePointAt(0), tone];
}

function wordKey(word) {
  const letters = [...word].filter((ch) => !/\s/.test(ch)).map(letterKey);
  return [letters.map((k) => k[0]), letters.map((k) => k[1])];
}

/** Sort key: given name, then family name, then middle names (each by letters, then tones). */
export function viNameKey(fullName) {
  const words = cleanName(fullName || "").split(" ").filter(Boolean);
  if (!words.length) return [[[], []], [[], []], [[], []]];
  const given = words[words.length - 1];
  const family = words.length > 1 ? words[0] : "";
  return [wordKey(given), wordKey(family), wordKey(words.slice(1, -1).join(" "))];
}

function compareKeys(a, b) {
  if (Array.isArray(a)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareKeys(a[i], b[i]);
      if (c) return c;
    }
    return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareNames(a, b) {
  return compareKeys(viNameKey(a), viNameKey(b));
}

/** Household numbers in natural order: T01-2 before T01-10. */
export function compareNumbers(a, b) {
  return String(a).localeCompare(String(b), "vi", { numeric: true, sensitivity: "base" });
}

const pad = (n) => String(n).padStart(2, "0");

/** "2025-09-14" → "14/09/2025". */
export function formatDate(iso) {
  if (!iso) return "";
  const [y, m, d] = String(iso).slice(0, 10).split("-");
  return d && m && y ? `${d}/${m}/${y}` : String(iso);
}

/** A Date (or ISO string / ms) → "14/09/2025 08:05". */
export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Today as "YYYY-MM-DD" in the phone's time zone. */
export function todayIso() {
  const now = new Date();
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
