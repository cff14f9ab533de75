// Lazily loaded part of the prelude: ECMA-402 `Intl`, and the locale-aware
// `toLocaleString`, `toLocaleDateString`, `toLocaleTimeString` and `localeCompare` of
// the standard library. Options are read here, in the order and with the errors the
// specification gives (so getters, Proxies and bad values behave as in Node); the
// formatting itself is ICU4X's, behind `host.intl*` (intl/*.rs), which takes only
// resolved, plain values.
(function (host) {
  'use strict';
  const DEFAULT_LOCALE = 'en-US';
  // What a worker's clock says: Node in a container without TZ says UTC too.
  const DEFAULT_TIME_ZONE = 'UTC';
  const { defineProperty, freeze } = Object;

  // ---- Locales --------------------------------------------------------------------
  // The tag of an Intl.Locale, undefined for anything else (set by the class).
  let localeTag = () => undefined;
  // CanonicalizeLocaleList: a string, an Intl.Locale or an object, or a list of them.
  const canonicalizeLocaleList = (locales) => {
    if (locales === undefined) return [];
    const single = typeof locales === 'string' || localeTag(locales) !== undefined;
    const list = single ? [locales] : toObject(locales);
    const length = toLength(list.length);
    const seen = [];
    for (let k = 0; k < length; k++) {
      if (!(k in list)) continue;
      const value = list[k];
      if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) {
        throw new TypeError('Language ID should be string or object.');
      }
      const tag = localeTag(value) ?? host.intlCanonicalLocale(String(value));
      if (tag == null) throw new RangeError(`Incorrect locale information provided`);
      if (!seen.includes(tag)) seen.push(tag);
    }
    return seen;
  };

  // The locale a service uses: the first requested one whose language has data
  // (a private-use region dropped), else the default.
  const resolveLocale = (requested) => {
    const resolved = host.intlResolveLocale(requested);
    return resolved == null ? DEFAULT_LOCALE : resolved;
  };

  const filterSupported = (locales, options) => {
    const requested = canonicalizeLocaleList(locales);
    const opts = coerceOptions(options);
    getOption(opts, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit', 'Intl');
    return requested.filter((tag) => host.intlResolveLocale([tag]) != null);
  };

  // ---- Options --------------------------------------------------------------------
  const toObject = (value) => {
    if (value === null || value === undefined) throw new TypeError('Cannot convert undefined or null to object');
    return Object(value);
  };
  const toLength = (value) => {
    const n = Math.trunc(Number(value));
    return Number.isNaN(n) || n <= 0 ? 0 : Math.min(n, Number.MAX_SAFE_INTEGER);
  };
  // CoerceOptionsToObject (NumberFormat, DateTimeFormat, Collator).
  const coerceOptions = (options) => options === undefined ? Object.create(null) : toObject(options);
  // GetOptionsObject (PluralRules, ListFormat, RelativeTimeFormat).
  const optionsObject = (options) => {
    if (options === undefined) return Object.create(null);
    if (typeof options === 'object' && options !== null) return options;
    throw new TypeError('Options must be an object');
  };
  const getOption = (options, property, type, values, fallback, service) => {
    let value = options[property];
    if (value === undefined) return fallback;
    value = type === 'boolean' ? Boolean(value) : String(value);
    if (values !== undefined && !values.includes(value)) {
      throw new RangeError(`Value ${value} out of range for ${service} options property ${property}`);
    }
    return value;
  };
  const defaultNumberOption = (value, min, max, fallback, property) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (Number.isNaN(n) || n < min || n > max) throw new RangeError(`${property} value is out of range.`);
    return Math.floor(n);
  };
  const getNumberOption = (options, property, min, max, fallback) =>
    defaultNumberOption(options[property], min, max, fallback, property);
  // A string option that names a Unicode extension type (`numberingSystem`,
  // `calendar`, `collation`): one or more runs of 3 to 8 letters and digits.
  const getTypeOption = (options, property, service) => {
    const value = getOption(options, property, 'string', undefined, undefined, service);
    if (value !== undefined && !/^[a-z0-9]{3,8}(-[a-z0-9]{3,8})*$/i.test(value)) {
      throw new RangeError(`Invalid ${property} : ${value}`);
    }
    return value;
  };

  // A method that works only on its own kind of object.
  const brandCheck = (ok, what, method) => {
    if (!ok) throw new TypeError(`Method ${what}.prototype.${method} called on incompatible receiver`);
  };
  const toParts = (pairs) => pairs.map(([type, value]) => ({ type, value }));
  const joined = (pairs) => pairs.map((pair) => pair[1]).join('');
  // Adds a service's toStringTag and its static supportedLocalesOf.
  const finish = (Class, tag) => {
    defineProperty(Class.prototype, Symbol.toStringTag, { value: tag, configurable: true });
    defineProperty(Class, 'supportedLocalesOf', {
      value: function supportedLocalesOf(locales, options = undefined) { return filterSupported(locales, options); },
      writable: true, configurable: true,
    });
  };

  // ---- NumberFormat ---------------------------------------------------------------
  // ISO 4217 minor units where they are not 2.
  const CURRENCY_DIGITS = {
    BHD: 3, BIF: 0, CLF: 4, CLP: 0, DJF: 0, GNF: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KMF: 0,
    KRW: 0, KWD: 3, LYD: 3, OMR: 3, PYG: 0, RWF: 0, TND: 3, UGX: 0, UYI: 0, UYW: 4, VND: 0,
    VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  };
  // The simple units ECMA-402 allows (and X-per-Y of two of them).
  const SIMPLE_UNITS = [
    'acre', 'bit', 'byte', 'celsius', 'centimeter', 'day', 'degree', 'fahrenheit', 'fluid-ounce',
    'foot', 'gallon', 'gigabit', 'gigabyte', 'gram', 'hectare', 'hour', 'inch', 'kilobit',
    'kilobyte', 'kilogram', 'kilometer', 'liter', 'megabit', 'megabyte', 'meter', 'microsecond',
    'mile', 'mile-scandinavian', 'milliliter', 'millimeter', 'millisecond', 'minute', 'month',
    'nanosecond', 'ounce', 'percent', 'petabyte', 'pound', 'second', 'stone', 'terabit',
    'terabyte', 'week', 'yard', 'year',
  ];
  const isWellFormedUnit = (unit) => {
    if (SIMPLE_UNITS.includes(unit)) return true;
    const per = unit.indexOf('-per-');
    return per > 0 && SIMPLE_UNITS.includes(unit.slice(0, per)) && SIMPLE_UNITS.includes(unit.slice(per + 5));
  };
  const NUMBER_SERVICE = 'Intl.NumberFormat';

  const readRoundingIncrement = (options) => {
    const increment = getNumberOption(options, 'roundingIncrement', 1, 5000, 1);
    if (![1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000].includes(increment)) {
      throw new RangeError('roundingIncrement value is out of range.');
    }
    return increment;
  };
  const readRoundingMode = (options) => getOption(options, 'roundingMode', 'string',
    ['ceil', 'floor', 'expand', 'trunc', 'halfCeil', 'halfFloor', 'halfExpand', 'halfTrunc', 'halfEven'],
    'halfExpand', NUMBER_SERVICE);

  // SetNumberFormatDigitOptions, for NumberFormat and PluralRules. NumberFormat reads
  // `roundingIncrement` before `notation` and `roundingMode` last, as Node does; it
  // passes the first in and sets the second itself.
  const digitOptions = (options, minFDDefault, maxFDDefault, notation, early) => {
    const mnid = getNumberOption(options, 'minimumIntegerDigits', 1, 21, 1);
    const mnfd = options.minimumFractionDigits;
    const mxfd = options.maximumFractionDigits;
    const mnsd = options.minimumSignificantDigits;
    const mxsd = options.maximumSignificantDigits;
    const digits = { minimumIntegerDigits: mnid };
    const roundingIncrement = early === undefined ? readRoundingIncrement(options) : early;
    const roundingMode = early === undefined ? readRoundingMode(options) : 'halfExpand';
    const roundingPriority = getOption(options, 'roundingPriority', 'string',
      ['auto', 'morePrecision', 'lessPrecision'], 'auto', NUMBER_SERVICE);
    const trailingZeroDisplay = getOption(options, 'trailingZeroDisplay', 'string',
      ['auto', 'stripIfInteger'], 'auto', NUMBER_SERVICE);
    if (roundingIncrement !== 1) maxFDDefault = minFDDefault;
    const hasSd = mnsd !== undefined || mxsd !== undefined;
    const hasFd = mnfd !== undefined || mxfd !== undefined;
    let needSd = true;
    let needFd = true;
    if (roundingPriority === 'auto') {
      needSd = hasSd;
      if (needSd || (!hasFd && notation === 'compact')) needFd = false;
    }
    if (needSd) {
      if (hasSd) {
        digits.minimumSignificantDigits = defaultNumberOption(mnsd, 1, 21, 1, 'minimumSignificantDigits');
        digits.maximumSignificantDigits = defaultNumberOption(mxsd, digits.minimumSignificantDigits, 21, 21, 'maximumSignificantDigits');
      } else {
        digits.minimumSignificantDigits = 1;
        digits.maximumSignificantDigits = 21;
      }
    }
    if (needFd) {
      if (hasFd) {
        let min = defaultNumberOption(mnfd, 0, 100, undefined, 'minimumFractionDigits');
        let max = defaultNumberOption(mxfd, 0, 100, undefined, 'maximumFractionDigits');
        if (min === undefined) min = Math.min(minFDDefault, max);
        else if (max === undefined) max = Math.max(maxFDDefault, min);
        else if (min > max) throw new RangeError('maximumFractionDigits value is out of range.');
        digits.minimumFractionDigits = min;
        digits.maximumFractionDigits = max;
      } else {
        digits.minimumFractionDigits = minFDDefault;
        digits.maximumFractionDigits = maxFDDefault;
      }
    }
    if (!needSd && !needFd) {
      // Compact notation's own rounding: whole numbers, or two significant digits below 100.
      digits.minimumFractionDigits = 0;
      digits.maximumFractionDigits = 0;
      digits.minimumSignificantDigits = 1;
      digits.maximumSignificantDigits = 2;
      digits.roundingType = 'morePrecision';
    } else if (roundingPriority === 'auto') {
      digits.roundingType = needSd ? 'significantDigits' : 'fractionDigits';
    } else {
      digits.roundingType = roundingPriority;
    }
    if (roundingIncrement !== 1 && (digits.roundingType !== 'fractionDigits'
      || digits.maximumFractionDigits !== digits.minimumFractionDigits)) {
      throw new RangeError('maximumFractionDigits value is out of range.');
    }
    digits.roundingIncrement = roundingIncrement;
    digits.roundingMode = roundingMode;
    digits.roundingPriority = roundingPriority;
    digits.trailingZeroDisplay = trailingZeroDisplay;
    return digits;
  };

  // A number, a BigInt or a decimal string, as the native formatter takes it.
  const toIntlMathematicalValue = (value) => {
    let prim = value;
    if (typeof prim === 'object' && prim !== null) prim = prim.valueOf();
    if (typeof prim === 'bigint') return String(prim);
    if (typeof prim === 'string') {
      const trimmed = prim.trim();
      if (trimmed === '') return 0;
      const n = Number(trimmed);
      // A decimal string keeps its digits (beyond a double's precision).
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) && Number.isFinite(n)) return trimmed;
      return n;
    }
    return Number(prim);
  };

  class NumberFormat {
    #resolved;
    #bound;
    constructor(locales = undefined, options = undefined) {
      const requested = canonicalizeLocaleList(locales);
      const opts = coerceOptions(options);
      getOption(opts, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit', NUMBER_SERVICE);
      const numberingSystem = getTypeOption(opts, 'numberingSystem', NUMBER_SERVICE);
      const locale = resolveLocale(requested);
      const style = getOption(opts, 'style', 'string', ['decimal', 'percent', 'currency', 'unit'], 'decimal', NUMBER_SERVICE);
      let currency = getOption(opts, 'currency', 'string', undefined, undefined, NUMBER_SERVICE);
      if (currency !== undefined && !/^[A-Za-z]{3}$/.test(currency)) {
        throw new RangeError(`Invalid currency code : ${currency}`);
      }
      const currencyDisplay = getOption(opts, 'currencyDisplay', 'string', ['code', 'symbol', 'narrowSymbol', 'name'], 'symbol', NUMBER_SERVICE);
      const currencySign = getOption(opts, 'currencySign', 'string', ['standard', 'accounting'], 'standard', NUMBER_SERVICE);
      const unit = getOption(opts, 'unit', 'string', undefined, undefined, NUMBER_SERVICE);
      if (unit !== undefined && !isWellFormedUnit(unit)) throw new RangeError(`Invalid unit argument for Intl.NumberFormat() '${unit}'`);
      const unitDisplay = getOption(opts, 'unitDisplay', 'string', ['short', 'narrow', 'long'], 'short', NUMBER_SERVICE);
      if (style === 'currency' && currency === undefined) throw new TypeError('Currency code is required with currency style.');
      if (style === 'unit' && unit === undefined) throw new TypeError('Unit is required with unit style.');
      if (currency !== undefined) currency = currency.toUpperCase();
      const roundingIncrement = readRoundingIncrement(opts);
      const notation = getOption(opts, 'notation', 'string', ['standard', 'scientific', 'engineering', 'compact'], 'standard', NUMBER_SERVICE);
      let minFD = 0;
      let maxFD = style === 'percent' ? 0 : 3;
      if (style === 'currency' && notation === 'standard') {
        minFD = CURRENCY_DIGITS[currency] ?? 2;
        maxFD = minFD;
      }
      const digits = digitOptions(opts, minFD, maxFD, notation, roundingIncrement);
      const compactDisplay = getOption(opts, 'compactDisplay', 'string', ['short', 'long'], 'short', NUMBER_SERVICE);
      const groupingDefault = notation === 'compact' ? 'min2' : 'auto';
      const useGrouping = groupingOption(opts.useGrouping, groupingDefault);
      const signDisplay = getOption(opts, 'signDisplay', 'string', ['auto', 'never', 'always', 'exceptZero', 'negative'], 'auto', NUMBER_SERVICE);
      digits.roundingMode = readRoundingMode(opts);
      const native = host.intlNumberSetup(locale, numberingSystem === undefined ? null : numberingSystem);
      const resolved = {
        locale: native[0],
        numberingSystem: native[1],
        style,
      };
      if (style === 'currency') {
        resolved.currency = currency;
        resolved.currencyDisplay = currencyDisplay;
        resolved.currencySign = currencySign;
      }
      if (style === 'unit') {
        resolved.unit = unit;
        resolved.unitDisplay = unitDisplay;
      }
      resolved.minimumIntegerDigits = digits.minimumIntegerDigits;
      if (digits.minimumFractionDigits !== undefined && digits.roundingType !== 'morePrecision') {
        resolved.minimumFractionDigits = digits.minimumFractionDigits;
        resolved.maximumFractionDigits = digits.maximumFractionDigits;
      }
      if (digits.minimumSignificantDigits !== undefined && digits.roundingType !== 'morePrecision' && digits.roundingType !== 'fractionDigits') {
        resolved.minimumSignificantDigits = digits.minimumSignificantDigits;
        resolved.maximumSignificantDigits = digits.maximumSignificantDigits;
      }
      resolved.useGrouping = useGrouping;
      resolved.notation = notation;
      if (notation === 'compact') resolved.compactDisplay = compactDisplay;
      resolved.signDisplay = signDisplay;
      resolved.roundingIncrement = digits.roundingIncrement;
      resolved.roundingMode = digits.roundingMode;
      resolved.roundingPriority = digits.roundingPriority;
      resolved.trailingZeroDisplay = digits.trailingZeroDisplay;
      this.#resolved = { ...resolved, roundingType: digits.roundingType };
      if (digits.roundingType === 'morePrecision') {
        this.#resolved.minimumFractionDigits = 0;
        this.#resolved.maximumFractionDigits = 0;
        this.#resolved.minimumSignificantDigits = 1;
        this.#resolved.maximumSignificantDigits = 2;
      }
    }
    static #is(value) { return typeof value === 'object' && value !== null && #resolved in value; }
    #pairs(value) { return host.intlNumberFormat(this.#resolved, toIntlMathematicalValue(value)); }
    get format() {
      brandCheck(NumberFormat.#is(this), 'Intl.NumberFormat', 'format');
      if (this.#bound === undefined) {
        const format = (value) => joined(this.#pairs(value));
        defineProperty(format, 'name', { value: '' });
        this.#bound = format;
      }
      return this.#bound;
    }
    formatToParts(value) {
      brandCheck(NumberFormat.#is(this), 'Intl.NumberFormat', 'formatToParts');
      return toParts(this.#pairs(value));
    }
    formatRange(start, end) {
      brandCheck(NumberFormat.#is(this), 'Intl.NumberFormat', 'formatRange');
      if (start === undefined || end === undefined) throw new TypeError('start or end is undefined');
      const a = joined(this.#pairs(start));
      const b = joined(this.#pairs(end));
      return a === b ? `~${a}` : `${a}–${b}`;
    }
    resolvedOptions() {
      brandCheck(NumberFormat.#is(this), 'Intl.NumberFormat', 'resolvedOptions');
      const { roundingType, ...shown } = this.#resolved;
      if (roundingType === 'morePrecision') {
        delete shown.minimumFractionDigits; delete shown.maximumFractionDigits;
        delete shown.minimumSignificantDigits; delete shown.maximumSignificantDigits;
        shown.minimumFractionDigits = 0; shown.maximumFractionDigits = 0;
        shown.minimumSignificantDigits = 1; shown.maximumSignificantDigits = 2;
      }
      return ordered(shown, NUMBER_KEYS);
    }
  }
  const NUMBER_KEYS = [
    'locale', 'numberingSystem', 'style', 'currency', 'currencyDisplay', 'currencySign', 'unit',
    'unitDisplay', 'minimumIntegerDigits', 'minimumFractionDigits', 'maximumFractionDigits',
    'minimumSignificantDigits', 'maximumSignificantDigits', 'useGrouping', 'notation',
    'compactDisplay', 'signDisplay', 'roundingIncrement', 'roundingMode', 'roundingPriority',
    'trailingZeroDisplay',
  ];
  // GetBooleanOrStringNumberFormatOption for `useGrouping`.
  const groupingOption = (value, fallback) => {
    if (value === undefined) return fallback;
    if (value === true) return 'always';
    if (!value) return false;
    const text = String(value);
    if (text === 'true' || text === 'false') return fallback;
    if (!['min2', 'auto', 'always'].includes(text)) {
      throw new RangeError(`Value ${text} out of range for ${NUMBER_SERVICE} options property useGrouping`);
    }
    return text;
  };
  // A fresh object with `keys` in the specification's order.
  const ordered = (from, keys) => {
    const out = {};
    for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
    return out;
  };
  finish(NumberFormat, 'Intl.NumberFormat');

  // ---- PluralRules ----------------------------------------------------------------
  const PLURAL_SERVICE = 'Intl.PluralRules';
  class PluralRules {
    #resolved;
    constructor(locales = undefined, options = undefined) {
      const requested = canonicalizeLocaleList(locales);
      const opts = optionsObject(options);
      getOption(opts, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit', PLURAL_SERVICE);
      const type = getOption(opts, 'type', 'string', ['cardinal', 'ordinal'], 'cardinal', PLURAL_SERVICE);
      const digits = digitOptions(opts, 0, 3, 'standard');
      const locale = resolveLocale(requested);
      this.#resolved = { locale, type, ...digits, numberingSystem: 'latn', style: 'decimal', useGrouping: false, notation: 'standard', signDisplay: 'auto' };
    }
    static #is(value) { return typeof value === 'object' && value !== null && #resolved in value; }
    select(value) {
      brandCheck(PluralRules.#is(this), 'Intl.PluralRules', 'select');
      return host.intlPluralSelect(this.#resolved, Number(value));
    }
    selectRange(start, end) {
      brandCheck(PluralRules.#is(this), 'Intl.PluralRules', 'selectRange');
      if (start === undefined || end === undefined) throw new TypeError('start or end is undefined');
      return host.intlPluralSelect(this.#resolved, Number(end));
    }
    resolvedOptions() {
      brandCheck(PluralRules.#is(this), 'Intl.PluralRules', 'resolvedOptions');
      const r = this.#resolved;
      const out = { locale: r.locale, type: r.type, minimumIntegerDigits: r.minimumIntegerDigits };
      if (r.roundingType !== 'significantDigits') {
        out.minimumFractionDigits = r.minimumFractionDigits;
        out.maximumFractionDigits = r.maximumFractionDigits;
      }
      if (r.minimumSignificantDigits !== undefined && r.roundingType !== 'fractionDigits') {
        out.minimumSignificantDigits = r.minimumSignificantDigits;
        out.maximumSignificantDigits = r.maximumSignificantDigits;
      }
      // In Node 20's order: alphabetical, with "other" last.
      const categories = host.intlPluralCategories(r.locale, r.type).filter((c) => c !== 'other').sort();
      out.pluralCategories = [...categories, 'other'];
      out.roundingIncrement = r.roundingIncrement;
      out.roundingMode = r.roundingMode;
      out.roundingPriority = r.roundingPriority;
      out.trailingZeroDisplay = r.trailingZeroDisplay;
      return out;
    }
  }
  finish(PluralRules, 'Intl.PluralRules');

  // ---- ListFormat -----------------------------------------------------------------
  const LIST_SERVICE = 'Intl.ListFormat';
  const stringList = (iterable) => {
    if (iterable === undefined) return [];
    const out = [];
    for (const item of iterable) {
      if (typeof item !== 'string') throw new TypeError(`Iterable yielded ${typeof item === 'symbol' ? 'a symbol' : String(item)} which is not a string`);
      out.push(item);
    }
    return out;
  };
  class ListFormat {
    #resolved;
    constructor(locales = undefined, options = undefined) {
      const requested = canonicalizeLocaleList(locales);
      const opts = optionsObject(options);
      getOption(opts, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit', LIST_SERVICE);
      const locale = resolveLocale(requested);
      const type = getOption(opts, 'type', 'string', ['conjunction', 'disjunction', 'unit'], 'conjunction', LIST_SERVICE);
      const style = getOption(opts, 'style', 'string', ['long', 'short', 'narrow'], 'long', LIST_SERVICE);
      this.#resolved = { locale, type, style };
    }
    static #is(value) { return typeof value === 'object' && value !== null && #resolved in value; }
    format(list) {
      brandCheck(ListFormat.#is(this), 'Intl.ListFormat', 'format');
      return joined(host.intlListFormat(this.#resolved, stringList(list)));
    }
    formatToParts(list) {
      brandCheck(ListFormat.#is(this), 'Intl.ListFormat', 'formatToParts');
      return toParts(host.intlListFormat(this.#resolved, stringList(list)));
    }
    resolvedOptions() {
      brandCheck(ListFormat.#is(this), 'Intl.ListFormat', 'resolvedOptions');
      return { ...this.#resolved };
    }
  }
  finish(ListFormat, 'Intl.ListFormat');

  // ---- Collator -------------------------------------------------------------------
  const COLLATOR_SERVICE = 'Intl.Collator';
  class Collator {
    #resolved;
    #bound;
    constructor(locales = undefined, options = undefined) {
      const requested = canonicalizeLocaleList(locales);
      const opts = coerceOptions(options);
      const usage = getOption(opts, 'usage', 'string', ['sort', 'search'], 'sort', COLLATOR_SERVICE);
      getOption(opts, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit', COLLATOR_SERVICE);
      const collation = getTypeOption(opts, 'collation', COLLATOR_SERVICE);
      const numeric = getOption(opts, 'numeric', 'boolean', undefined, undefined, COLLATOR_SERVICE);
      const caseFirst = getOption(opts, 'caseFirst', 'string', ['upper', 'lower', 'false'], undefined, COLLATOR_SERVICE);
      const locale = resolveLocale(requested);
      const sensitivity = getOption(opts, 'sensitivity', 'string', ['base', 'accent', 'case', 'variant'], 'variant', COLLATOR_SERVICE);
      const ignorePunctuation = getOption(opts, 'ignorePunctuation', 'boolean', undefined, false, COLLATOR_SERVICE);
      this.#resolved = {
        locale, usage, sensitivity, ignorePunctuation, collation: 'default',
        numeric: numeric ?? false, caseFirst: caseFirst ?? 'false',
      };
    }
    static #is(value) { return typeof value === 'object' && value !== null && #resolved in value; }
    get compare() {
      brandCheck(Collator.#is(this), 'Intl.Collator', 'compare');
      if (this.#bound === undefined) {
        const compare = (x, y) => host.intlCompare(this.#resolved, String(x), String(y));
        defineProperty(compare, 'name', { value: '' });
        this.#bound = compare;
      }
      return this.#bound;
    }
    resolvedOptions() {
      brandCheck(Collator.#is(this), 'Intl.Collator', 'resolvedOptions');
      return { ...this.#resolved };
    }
  }
  finish(Collator, 'Intl.Collator');

  // ---- RelativeTimeFormat ---------------------------------------------------------
  const RELATIVE_SERVICE = 'Intl.RelativeTimeFormat';
  const RELATIVE_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];
  const relativeUnit = (unit) => {
    const u = String(unit);
    const singular = u.endsWith('s') ? u.slice(0, -1) : u;
    if (!RELATIVE_UNITS.includes(singular)) throw new RangeError(`Invalid unit argument for format() '${u}'`);
    return singular;
  };
  class RelativeTimeFormat {
    #resolved;
    constructor(locales = undefined, options = undefined) {
      const requested = canonicalizeLocaleList(locales);
      const opts = optionsObject(options);
      getOption(opts, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit', RELATIVE_SERVICE);
      const numberingSystem = getTypeOption(opts, 'numberingSystem', RELATIVE_SERVICE);
      const locale = resolveLocale(requested);
      const style = getOption(opts, 'style', 'string', ['long', 'short', 'narrow'], 'long', RELATIVE_SERVICE);
      const numeric = getOption(opts, 'numeric', 'string', ['always', 'auto'], 'always', RELATIVE_SERVICE);
      const native = host.intlNumberSetup(locale, numberingSystem === undefined ? null : numberingSystem);
      this.#resolved = { locale: native[0], style, numeric, numberingSystem: native[1] };
    }
    static #is(value) { return typeof value === 'object' && value !== null && #resolved in value; }
    #pairs(value, unit) {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new RangeError('Invalid time value');
      return host.intlRelativeFormat(this.#resolved, n, relativeUnit(unit));
    }
    format(value, unit) {
      brandCheck(RelativeTimeFormat.#is(this), 'Intl.RelativeTimeFormat', 'format');
      return joined(this.#pairs(value, unit));
    }
    formatToParts(value, unit) {
      brandCheck(RelativeTimeFormat.#is(this), 'Intl.RelativeTimeFormat', 'formatToParts');
      return this.#pairs(value, unit).map(([type, value, partUnit]) =>
        partUnit ? { type, value, unit: partUnit } : { type, value });
    }
    resolvedOptions() {
      brandCheck(RelativeTimeFormat.#is(this), 'Intl.RelativeTimeFormat', 'resolvedOptions');
      return { ...this.#resolved };
    }
  }
  finish(RelativeTimeFormat, 'Intl.RelativeTimeFormat');

  // ---- DateTimeFormat -------------------------------------------------------------
  const DATE_SERVICE = 'Intl.DateTimeFormat';
  // The component options, in the specification's table order, with their values.
  const COMPONENTS = [
    ['weekday', ['narrow', 'short', 'long']],
    ['era', ['narrow', 'short', 'long']],
    ['year', ['2-digit', 'numeric']],
    ['month', ['2-digit', 'numeric', 'narrow', 'short', 'long']],
    ['day', ['2-digit', 'numeric']],
    ['dayPeriod', ['narrow', 'short', 'long']],
    ['hour', ['2-digit', 'numeric']],
    ['minute', ['2-digit', 'numeric']],
    ['second', ['2-digit', 'numeric']],
    ['fractionalSecondDigits', null],
    ['timeZoneName', ['short', 'long', 'shortOffset', 'longOffset', 'shortGeneric', 'longGeneric']],
  ];
  const STYLES = ['full', 'long', 'medium', 'short'];
  const DATE_KEYS = [
    'locale', 'calendar', 'numberingSystem', 'timeZone', 'hourCycle', 'hour12', 'weekday', 'era',
    'year', 'month', 'day', 'dayPeriod', 'hour', 'minute', 'second', 'fractionalSecondDigits',
    'timeZoneName', 'dateStyle', 'timeStyle',
  ];

  // CreateDateTimeFormat; `required` and `defaults` as ToDateTimeOptions says
  // ('date', 'time' or 'any'; 'date', 'time' or 'all').
  const createDateTimeFormat = (locales, options, required, defaults) => {
    const requested = canonicalizeLocaleList(locales);
    const opts = coerceOptions(options);
    getOption(opts, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit', DATE_SERVICE);
    const calendar = getTypeOption(opts, 'calendar', DATE_SERVICE);
    const numberingSystem = getTypeOption(opts, 'numberingSystem', DATE_SERVICE);
    const hour12 = getOption(opts, 'hour12', 'boolean', undefined, undefined, DATE_SERVICE);
    let hourCycle = getOption(opts, 'hourCycle', 'string', ['h11', 'h12', 'h23', 'h24'], undefined, DATE_SERVICE);
    if (hour12 !== undefined) hourCycle = null;
    let timeZone = opts.timeZone;
    if (timeZone === undefined) timeZone = DEFAULT_TIME_ZONE;
    else {
      const name = String(timeZone);
      timeZone = host.intlTimeZone(name);
      if (timeZone == null) throw new RangeError(`Invalid time zone specified: ${name.slice(0, 64)}`);
    }
    const format = {};
    for (const [name, values] of COMPONENTS) {
      if (values === null) {
        format[name] = getNumberOption(opts, name, 1, 3, undefined);
      } else {
        format[name] = getOption(opts, name, 'string', values, undefined, DATE_SERVICE);
      }
    }
    getOption(opts, 'formatMatcher', 'string', ['basic', 'best fit'], 'best fit', DATE_SERVICE);
    const dateStyle = getOption(opts, 'dateStyle', 'string', STYLES, undefined, DATE_SERVICE);
    const timeStyle = getOption(opts, 'timeStyle', 'string', STYLES, undefined, DATE_SERVICE);
    const locale = resolveLocale(requested);
    const native = host.intlNumberSetup(locale, numberingSystem === undefined ? null : numberingSystem);
    const resolved = {
      locale: native[0], calendar: 'gregory', numberingSystem: native[1], timeZone,
    };
    if (dateStyle !== undefined || timeStyle !== undefined) {
      for (const [name] of COMPONENTS) {
        if (format[name] !== undefined) throw new TypeError(`Can't set option ${name} when ${dateStyle !== undefined ? 'dateStyle' : 'timeStyle'} is used`);
      }
      if (required === 'date' && timeStyle !== undefined) throw new TypeError('Invalid option : timeStyle');
      if (required === 'time' && dateStyle !== undefined) throw new TypeError('Invalid option : dateStyle');
      if (dateStyle !== undefined) resolved.dateStyle = dateStyle;
      if (timeStyle !== undefined) resolved.timeStyle = timeStyle;
    } else {
      let needDefaults = true;
      if (required === 'date' || required === 'any') {
        for (const name of ['weekday', 'year', 'month', 'day']) if (format[name] !== undefined) needDefaults = false;
      }
      if (required === 'time' || required === 'any') {
        for (const name of ['dayPeriod', 'hour', 'minute', 'second', 'fractionalSecondDigits']) {
          if (format[name] !== undefined) needDefaults = false;
        }
      }
      if (needDefaults && (defaults === 'date' || defaults === 'all')) {
        format.year = 'numeric'; format.month = 'numeric'; format.day = 'numeric';
      }
      if (needDefaults && (defaults === 'time' || defaults === 'all')) {
        format.hour = 'numeric'; format.minute = 'numeric'; format.second = 'numeric';
      }
      for (const [name] of COMPONENTS) if (format[name] !== undefined) resolved[name] = format[name];
    }
    const hasHour = resolved.hour !== undefined || resolved.timeStyle !== undefined;
    if (hasHour) {
      // The locale's own cycle, then hour12 as ECMA-402 (and Node 20) apply it.
      const localeCycle = host.intlHourCycle(resolved.locale);
      let hc = hourCycle ?? localeCycle;
      if (hour12 === true) hc = localeCycle === 'h11' || localeCycle === 'h23' ? 'h11' : 'h12';
      else if (hour12 === false) hc = localeCycle === 'h11' || localeCycle === 'h23' ? 'h23' : 'h24';
      resolved.hourCycle = hc;
      resolved.hour12 = hc === 'h11' || hc === 'h12';
    }
    return resolved;
  };

  // A date's time value, as `format` and `formatToParts` take it.
  const timeValue = (date) => {
    const t = date === undefined ? Date.now() : Number(date instanceof Date ? date.getTime() : date);
    if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) throw new RangeError('Invalid time value');
    return t;
  };
  const datePairs = (resolved, date) => host.intlDateFormat(resolved, timeValue(date));
  // Node 20 prints a plain space where CLDR now has a narrow no-break space (before
  // AM/PM), in `format` but not in `formatToParts`.
  const datePlain = (pairs) => joined(pairs).replace(/\u202f/g, ' ');

  class DateTimeFormat {
    #resolved;
    #bound;
    constructor(locales = undefined, options = undefined) {
      this.#resolved = createDateTimeFormat(locales, options, 'any', 'date');
    }
    static #is(value) { return typeof value === 'object' && value !== null && #resolved in value; }
    get format() {
      brandCheck(DateTimeFormat.#is(this), 'Intl.DateTimeFormat', 'format');
      if (this.#bound === undefined) {
        const format = (date) => datePlain(datePairs(this.#resolved, date));
        defineProperty(format, 'name', { value: '' });
        this.#bound = format;
      }
      return this.#bound;
    }
    formatToParts(date) {
      brandCheck(DateTimeFormat.#is(this), 'Intl.DateTimeFormat', 'formatToParts');
      return toParts(datePairs(this.#resolved, date));
    }
    formatRange(start, end) {
      brandCheck(DateTimeFormat.#is(this), 'Intl.DateTimeFormat', 'formatRange');
      if (start === undefined || end === undefined) throw new TypeError('startDate or endDate is undefined');
      const a = datePlain(datePairs(this.#resolved, start));
      const b = datePlain(datePairs(this.#resolved, end));
      return a === b ? a : `${a} – ${b}`;
    }
    resolvedOptions() {
      brandCheck(DateTimeFormat.#is(this), 'Intl.DateTimeFormat', 'resolvedOptions');
      return ordered(this.#resolved, DATE_KEYS);
    }
  }
  finish(DateTimeFormat, 'Intl.DateTimeFormat');

  // ---- Locale ---------------------------------------------------------------------
  const LOCALE_SERVICE = 'Intl.Locale';
  // ApplyOptionsToTag's subtag options, each checked as soon as it is read.
  const SUBTAG_OPTIONS = [
    ['language', /^([a-z]{2,3}|[a-z]{5,8})$/i],
    ['script', /^[a-z]{4}$/i],
    ['region', /^([a-z]{2}|[0-9]{3})$/i],
  ];
  class Locale {
    #tag;
    // [baseName, language, script, region, calendar, collation, hourCycle, caseFirst,
    // numeric, numberingSystem], as the native side reads them off the tag.
    #fields;
    constructor(tag, options = undefined) {
      if (new.target === undefined) throw new TypeError("Constructor Intl.Locale requires 'new'");
      if (typeof tag !== 'string' && (typeof tag !== 'object' || tag === null)) {
        throw new TypeError("First argument to Intl.Locale constructor can't be empty or missing");
      }
      const source = Locale.#is(tag) ? tag.#tag : String(tag);
      const opts = coerceOptions(options);
      if (host.intlCanonicalLocale(source) == null) throw new RangeError('Incorrect locale information provided');
      const chosen = [];
      for (const [name, pattern] of SUBTAG_OPTIONS) {
        const value = getOption(opts, name, 'string', undefined, undefined, LOCALE_SERVICE);
        if (value !== undefined && !pattern.test(value)) throw new RangeError('Incorrect locale information provided');
        chosen.push(value);
      }
      chosen.push(getTypeOption(opts, 'calendar', LOCALE_SERVICE));
      chosen.push(getTypeOption(opts, 'collation', LOCALE_SERVICE));
      chosen.push(getOption(opts, 'hourCycle', 'string', ['h11', 'h12', 'h23', 'h24'], undefined, LOCALE_SERVICE));
      chosen.push(getOption(opts, 'caseFirst', 'string', ['upper', 'lower', 'false'], undefined, LOCALE_SERVICE));
      const numeric = getOption(opts, 'numeric', 'boolean', undefined, undefined, LOCALE_SERVICE);
      chosen.push(numeric === undefined ? undefined : String(numeric));
      chosen.push(getTypeOption(opts, 'numberingSystem', LOCALE_SERVICE));
      const made = host.intlLocaleMake(source, chosen.map((value) => value ?? null));
      if (made == null) throw new RangeError('Incorrect locale information provided');
      this.#tag = made;
      this.#fields = host.intlLocaleFields(made);
    }
    static #is(value) { return typeof value === 'object' && value !== null && #tag in value; }
    static { localeTag = (value) => (Locale.#is(value) ? value.#tag : undefined); }
    static #field(self, at, name) {
      brandCheck(Locale.#is(self), LOCALE_SERVICE, name);
      const value = self.#fields[at];
      return value === '' ? undefined : value;
    }
    get baseName() { return Locale.#field(this, 0, 'baseName'); }
    get language() { return Locale.#field(this, 1, 'language'); }
    get script() { return Locale.#field(this, 2, 'script'); }
    get region() { return Locale.#field(this, 3, 'region'); }
    get calendar() { return Locale.#field(this, 4, 'calendar'); }
    get collation() { return Locale.#field(this, 5, 'collation'); }
    get hourCycle() { return Locale.#field(this, 6, 'hourCycle'); }
    get caseFirst() { return Locale.#field(this, 7, 'caseFirst'); }
    get numeric() { return Locale.#field(this, 8, 'numeric') === 'true'; }
    get numberingSystem() { return Locale.#field(this, 9, 'numberingSystem'); }
    toString() {
      brandCheck(Locale.#is(this), LOCALE_SERVICE, 'toString');
      return this.#tag;
    }
    maximize() {
      brandCheck(Locale.#is(this), LOCALE_SERVICE, 'maximize');
      return new Locale(host.intlLocaleMaximize(this.#tag));
    }
    minimize() {
      brandCheck(Locale.#is(this), LOCALE_SERVICE, 'minimize');
      return new Locale(host.intlLocaleMinimize(this.#tag));
    }
  }
  defineProperty(Locale.prototype, Symbol.toStringTag, { value: 'Intl.Locale', configurable: true });

  // ---- Intl -----------------------------------------------------------------------
  // Collator, DateTimeFormat and NumberFormat may also be called without `new`, as
  // ECMA-402 keeps from its first edition: a function in front of each class.
  const callable = (Class, name) => {
    const Constructor = function (locales = undefined, options = undefined) {
      return Reflect.construct(Class, [locales, options], new.target === undefined ? Constructor : new.target);
    };
    defineProperty(Constructor, 'name', { value: name });
    defineProperty(Constructor, 'prototype', { value: Class.prototype, writable: false });
    defineProperty(Class.prototype, 'constructor', { value: Constructor, writable: true, configurable: true });
    defineProperty(Constructor, 'supportedLocalesOf', Object.getOwnPropertyDescriptor(Class, 'supportedLocalesOf'));
    return Constructor;
  };
  const Intl = {};
  const method = (target, name, fn) =>
    defineProperty(target, name, { value: fn, writable: true, configurable: true });
  method(Intl, 'getCanonicalLocales', function getCanonicalLocales(locales) {
    return canonicalizeLocaleList(locales);
  });
  method(Intl, 'supportedValuesOf', function supportedValuesOf(key) {
    const k = String(key);
    const values = host.intlSupportedValues(k);
    if (values == null) throw new RangeError(`Invalid key : ${k}`);
    return values;
  });
  for (const [name, Class] of [
    ['Collator', callable(Collator, 'Collator')],
    ['DateTimeFormat', callable(DateTimeFormat, 'DateTimeFormat')], ['ListFormat', ListFormat],
    ['NumberFormat', callable(NumberFormat, 'NumberFormat')], ['PluralRules', PluralRules],
    ['RelativeTimeFormat', RelativeTimeFormat], ['Locale', Locale],
  ]) {
    method(Intl, name, Class);
  }
  defineProperty(Intl, Symbol.toStringTag, { value: 'Intl', configurable: true });

  // ---- The standard library's locale-sensitive methods ----------------------------
  const thisNumber = (value, what) => {
    if (typeof value === 'number') return value;
    if (typeof value === 'object' && value !== null) {
      try { return Number.prototype.valueOf.call(value); } catch { /* not a Number */ }
    }
    throw new TypeError(`${what} requires that 'this' be a Number`);
  };
  const thisDate = (value, what) => {
    try { return Date.prototype.getTime.call(value); } catch { throw new TypeError(`${what}: this is not a Date object.`); }
  };
  // The locale methods' formatter for no locales and no options, made once per job:
  // `a.localeCompare(b)` in a sort's comparator runs thousands of times.
  let plainNumbers = null;
  let plainCollator = null;
  const numberFormat = (locales, options) => (locales === undefined && options === undefined
    ? (plainNumbers = plainNumbers || new NumberFormat())
    : new NumberFormat(locales, options));
  const localeMethods = {
    number: {
      toLocaleString(locales = undefined, options = undefined) {
        return numberFormat(locales, options).format(thisNumber(this, 'Number.prototype.toLocaleString'));
      },
    }.toLocaleString,
    bigint: {
      toLocaleString(locales = undefined, options = undefined) {
        return numberFormat(locales, options).format(BigInt.prototype.valueOf.call(this));
      },
    }.toLocaleString,
    string: {
      localeCompare(that, locales = undefined, options = undefined) {
        if (this === null || this === undefined) throw new TypeError('String.prototype.localeCompare called on null or undefined');
        const collator = locales === undefined && options === undefined
          ? (plainCollator = plainCollator || new Collator())
          : new Collator(locales, options);
        return collator.compare(String(this), String(that));
      },
    }.localeCompare,
  };
  const dateMethod = (name, required, defaults) => ({
    [name](locales = undefined, options = undefined) {
      const t = thisDate(this, `Date.prototype.${name}`);
      if (Number.isNaN(t)) return 'Invalid Date';
      return datePlain(datePairs(createDateTimeFormat(locales, options, required, defaults), t));
    },
  })[name];
  localeMethods.date = dateMethod('toLocaleString', 'any', 'all');
  localeMethods.dateDate = dateMethod('toLocaleDateString', 'date', 'date');
  localeMethods.dateTime = dateMethod('toLocaleTimeString', 'time', 'time');
  // Replaces the prelude's stand-ins, or the engine's own methods (a snapshot makes
  // `Date` before its stand-ins could be added), and nothing else: what job code put
  // there (or froze) stays, when this part runs a second time in a runtime that
  // makes its globals lazily.
  const fnToString = Function.prototype.toString;
  const replace = (target, name, fn) => {
    const current = target[name];
    const native = typeof current === 'function' && fnToString.call(current).endsWith('{\n    [native code]\n}');
    if (!host.localeStandIns.includes(current) && !native) return;
    try { method(target, name, fn); } catch { /* the job made it unchangeable */ }
  };
  replace(Number.prototype, 'toLocaleString', localeMethods.number);
  replace(BigInt.prototype, 'toLocaleString', localeMethods.bigint);
  replace(String.prototype, 'localeCompare', localeMethods.string);
  replace(Date.prototype, 'toLocaleString', localeMethods.date);
  replace(Date.prototype, 'toLocaleDateString', localeMethods.dateDate);
  replace(Date.prototype, 'toLocaleTimeString', localeMethods.dateTime);

  // `localeMethods` is for the prelude's stand-ins (which load this part on first use
  // in a runtime that makes its globals lazily); only `Intl` is a global.
  return { Intl, localeMethods };
})
