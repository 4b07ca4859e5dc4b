/**
 * weir's SQL type system: `SqlType` and its helpers, the JS representation of SQL values (see
 * `values.ts`), exact `Decimal`s, date/time arithmetic, Java date patterns, CAST and comparison.
 *
 * @example
 * import { parseSqlType, typeToString, formatValue, Decimal } from './sql/types/index.js';
 * typeToString(parseSqlType('decimal(10,2) not null')) // 'DECIMAL(10, 2) NOT NULL'
 * formatValue(Decimal.parse('1.5'), parseSqlType('DECIMAL(10, 2)')) // '1.50'
 */
export * from './sql-type.js';
export { Decimal, isDecimal } from './decimal.js';
export { SqlTypeError, SqlRuntimeError, formatTypeError } from './errors.js';
export {
  formatValue, parseValue, toJsonValue, formatDouble, formatFloat, formatIntervalDT, formatIntervalYM, parseJavaDouble,
  isStringType, type FormatOptions,
} from './values.js';
export { castFn, castProblem, castMayOverflow, wrapInteger, type CastContext, type CastFn } from './cast.js';
export { compareValues, valuesEqual, valueKey } from './compare.js';
export {
  MS_PER_DAY, daysFromCivil, civilFromDays, daysInMonth, isLeapYear, dayOf, msOfDay, formatDate, formatTime, formatTimestamp,
  parseDate, parseTime, parseTimestamp, zoneOffsetMs, instantToLocal, localToInstant, isValidTimeZone,
} from './datetime.js';
export { compileFormatter, compileParser, formatterFor, parserFor } from './date-format.js';
export {
  addMonthsLocal, addMonthsDays, toLocalMs, fromLocalMs, extractLocal, floorLocal, ceilLocal, EXTRACT_UNITS,
} from './temporal.js';
