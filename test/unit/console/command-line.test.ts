import { describe, expect, it } from 'vitest';
import { argumentsAsText, CommandLineError, parseCommandLine } from '../../../core/console/command-line.js';

/** The arguments as text, for lines whose arguments are all valid UTF-8. */
const split = (line: string) => argumentsAsText(parseCommandLine(line));

// Expectations were checked by sending each line through redis-cli 7.0 (as ECHO arguments).
describe('parseCommandLine', () => {
  it('splits words on white space and gives no arguments for a blank line', () => {
    expect(split('   ECHO    spaced   ')).toEqual(['ECHO', 'spaced']);
    expect(split('SET\tkey\r\nvalue')).toEqual(['SET', 'key', 'value']);
    expect(split('')).toEqual([]);
    expect(split(' \t\v\f ')).toEqual([]);
  });

  it('skips form feeds and vertical tabs between words but keeps them inside a word, as redis-cli does', () => {
    expect(split('\fECHO \vq')).toEqual(['ECHO', 'q']);
    expect(split('ECHO a\fb')).toEqual(['ECHO', 'a\fb']);
  });

  it('turns the double-quote escapes into bytes and \\xHH into a raw byte', () => {
    expect(parseCommandLine('SET k "\\xff\\x00a\\n"')).toEqual([Buffer.from('SET'), Buffer.from('k'), Buffer.from([0xff, 0x00, 0x61, 0x0a])]);
    expect(split('"\\n\\r\\t\\b\\a"')).toEqual(['\n\r\t\b\x07']);
    expect(parseCommandLine('"caf\\xc3\\xA9 é"')).toEqual([Buffer.from('café é')]);
  });

  it('takes any other escaped character in double quotes as itself, including \\x without two hex digits', () => {
    expect(split('ECHO "a\\zb\\x4g\\X41\\x41\\xZZ\\\'\\\\\\""')).toEqual(['ECHO', 'azbx4gX41AxZZ\'\\"']);
    expect(split('"\\x" "\\x4"')).toEqual(['x', 'x4']);
  });

  it("knows only \\' as an escape in single quotes", () => {
    expect(split("ECHO 'it\\'s'")).toEqual(['ECHO', "it's"]);
    expect(split("'a\\nb\\\\c \"d\"'")).toEqual(['a\\nb\\\\c "d"']);
  });

  it('lets a quote open in the middle of a word and keeps empty quoted arguments', () => {
    expect(split('ECHO foo"bar baz"')).toEqual(['ECHO', 'foobar baz']);
    expect(split("key'a b'")).toEqual(['keya b']);
    expect(split('SET e "" \'\'')).toEqual(['SET', 'e', '', '']);
  });

  it('accepts any white space after a closing quote', () => {
    expect(split('ECHO "x"\fz')).toEqual(['ECHO', 'x', 'z']);
    expect(split('"a"\t\'b\'')).toEqual(['a', 'b']);
  });

  it.each([
    ['ECHO foo"bar baz"qux', 'The closing quote at column 17 is followed by "q" at column 18, not by a space'],
    ['ECHO "a""b"', 'The closing quote at column 8 is followed by "\\"" at column 9, not by a space'],
    ["ECHO 'a'b", 'The closing quote at column 8 is followed by "b" at column 9, not by a space'],
    ['ECHO "abc\\"', 'Unbalanced quotes: the " at column 6 is never closed'],
    ['ECHO "ab\\', 'Unbalanced quotes: the " at column 6 is never closed'],
    ["ECHO 'abc\\'", "Unbalanced quotes: the ' at column 6 is never closed"],
    ["é 'a\\\\'", "Unbalanced quotes: the ' at column 3 is never closed"],
  ])('rejects %s as redis-cli does, naming the problem and the column', (line, message) => {
    expect(() => parseCommandLine(line)).toThrow(CommandLineError);
    expect(() => parseCommandLine(line)).toThrow(message);
  });
});

describe('argumentsAsText', () => {
  it('decodes UTF-8 and shows other bytes as the replacement character', () => {
    expect(argumentsAsText([Buffer.from('café'), Buffer.from([0x61, 0xff])])).toEqual(['café', 'a\uFFFD']);
  });
});
