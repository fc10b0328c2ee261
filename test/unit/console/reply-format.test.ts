import { describe, expect, it } from 'vitest';
import { type ConsoleValue, formatError, formatReply } from '../../../core/console/reply-format.js';

const bulk = (text: string) => Buffer.from(text);
/** A stream entry as XRANGE replies it: the id, then the fields and values. */
const streamEntry = (id: string, ...fieldsAndValues: string[]): ConsoleValue => [bulk(id), fieldsAndValues.map(bulk)];
const lines = (...text: string[]) => text.join('\n');

// Every expectation below is what `redis-cli --no-raw` 7.0 printed for the same reply from redis-server 7.0.
describe('formatReply', () => {
  it('prints scalars as redis-cli does', () => {
    expect(formatReply(5, 'incr')).toBe('(integer) 5');
    expect(formatReply(null, 'get')).toBe('(nil)');
    expect(formatReply(bulk(''), 'get')).toBe('""');
    expect(formatReply([], 'lrange')).toBe('(empty array)');
  });

  it('quotes bulk strings, escaping quotes, backslashes, control characters and every byte outside printable ASCII', () => {
    expect(formatReply(Buffer.from([0xff, 0x00, 0x61, 0x0a]), 'get')).toBe('"\\xff\\x00a\\n"');
    const everyEscape = Buffer.concat([Buffer.from([0xff, 0x00]), bulk('a\n"q\\ \t\r\x07\b'), Buffer.from([0x7f, 0x01])]);
    expect(formatReply(everyEscape, 'get')).toBe('"\\xff\\x00a\\n\\"q\\\\ \\t\\r\\a\\b\\x7f\\x01"');
    expect(formatReply(bulk("é'~ "), 'get')).toBe('"\\xc3\\xa9\'~ "');
  });

  it('prints the usual status replies and every TYPE reply unquoted, as ioredis cannot tell them from bulk strings', () => {
    expect(formatReply(bulk('OK'), 'set')).toBe('OK');
    expect(formatReply(bulk('PONG'), 'ping')).toBe('PONG');
    expect(formatReply(bulk('QUEUED'), 'incr')).toBe('QUEUED');
    expect(formatReply(bulk('string'), 'TYPE')).toBe('string');
    expect(formatReply(bulk('none'), 'type')).toBe('none');
    expect(formatReply(bulk('string'), 'get')).toBe('"string"');
  });

  it('prints error replies after (error)', () => {
    expect(formatReply(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'lrange')).toBe(
      '(error) WRONGTYPE Operation against a key holding the wrong kind of value',
    );
    expect(formatError("ERR unknown command 'foo', with args beginning with: 'bar' ")).toBe("(error) ERR unknown command 'foo', with args beginning with: 'bar' ");
  });

  it('numbers array elements, with nil, integers and UTF-8 inside', () => {
    expect(formatReply([bulk("é'~ "), null, bulk('1')], 'mget')).toBe(lines('1) "\\xc3\\xa9\'~ "', '2) (nil)', '3) "1"'));
  });

  it('right-aligns element numbers to the widest one', () => {
    const list = Array.from({ length: 11 }, (_, i) => bulk(String(i + 1)));
    const expected = lines(' 1) "1"', ' 2) "2"', ' 3) "3"', ' 4) "4"', ' 5) "5"', ' 6) "6"', ' 7) "7"', ' 8) "8"', ' 9) "9"', '10) "10"', '11) "11"');
    expect(formatReply(list, 'lrange')).toBe(expected);
  });

  it('indents nested arrays so their items align under the first one', () => {
    const xrange = [streamEntry('1-1', 'a', '1', 'b', '2'), streamEntry('2-1', 'temperature', '21.5')];
    expect(formatReply(xrange, 'xrange')).toBe(
      lines('1) 1) "1-1"', '   2) 1) "a"', '      2) "1"', '      3) "b"', '      4) "2"', '2) 1) "2-1"', '   2) 1) "temperature"', '      2) "21.5"'),
    );
  });

  it('indents nested arrays by the width of a wide parent number', () => {
    const xrange = Array.from({ length: 10 }, (_, i) => streamEntry(`${i + 1}-0`, `f${i + 1}`, 'v'));
    const entryLines = (n: number) => [`${String(n).padStart(2)}) 1) "${n}-0"`, `    2) 1) "f${n}"`, '       2) "v"'];
    expect(formatReply(xrange, 'xrange')).toBe(lines(...Array.from({ length: 10 }, (_, i) => entryLines(i + 1)).flat()));
  });

  it('lays out deep nesting, nested empty arrays and nested statuses like COMMAND INFO get', () => {
    // The flags are status replies; strings stand for them here so that the whole layout can be checked verbatim.
    const keySpec = [
      bulk('flags'),
      ['RO', 'access'],
      bulk('begin_search'),
      [bulk('type'), bulk('index'), bulk('spec'), [bulk('index'), 1]],
      bulk('find_keys'),
      [bulk('type'), bulk('range'), bulk('spec'), [bulk('lastkey'), 0, bulk('keystep'), 1, bulk('limit'), 0]],
    ];
    const commandInfo = [[bulk('get'), 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], [], [keySpec], []]];
    expect(formatReply(commandInfo, 'command')).toBe(
      lines(
        '1)  1) "get"',
        '    2) (integer) 2',
        '    3) 1) readonly',
        '       2) fast',
        '    4) (integer) 1',
        '    5) (integer) 1',
        '    6) (integer) 1',
        '    7) 1) @read',
        '       2) @string',
        '       3) @fast',
        '    8) (empty array)',
        '    9) 1) 1) "flags"',
        '          2) 1) RO',
        '             2) access',
        '          3) "begin_search"',
        '          4) 1) "type"',
        '             2) "index"',
        '             3) "spec"',
        '             4) 1) "index"',
        '                2) (integer) 1',
        '          5) "find_keys"',
        '          6) 1) "type"',
        '             2) "range"',
        '             3) "spec"',
        '             4) 1) "lastkey"',
        '                2) (integer) 0',
        '                3) "keystep"',
        '                4) (integer) 1',
        '                5) "limit"',
        '                6) (integer) 0',
        '   10) (empty array)',
      ),
    );
  });

  it('prints errors inside EXEC replies, but quotes statuses that are not at the top level', () => {
    const exec = [bulk('OK'), new Error('ERR value is not an integer or out of range'), bulk('1'), []];
    // redis-cli prints `1) OK`; ioredis gives no way to tell this status from a bulk string.
    expect(formatReply(exec, 'exec')).toBe(lines('1) "OK"', '2) (error) ERR value is not an integer or out of range', '3) "1"', '4) (empty array)'));
  });
});
