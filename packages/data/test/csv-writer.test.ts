import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../src/csv-writer.js';

describe('CSV exports', () => {
  it('neutralise cells a spreadsheet would run as a formula (OWASP), quoting where RFC 4180 needs it', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(
      '"\'=HYPERLINK(""http://evil.example"",""x"")"',
    );
    expect(csvCell('+cmd|" /C calc"!A0')).toBe('"\'+cmd|"" /C calc""!A0"');
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe('"\'\r=1"');
  });

  it('leave numbers as they are, negative ones and numbers given as text included', () => {
    for (const value of [-0.5, -1e-7, 0, 3, Number.NEGATIVE_INFINITY])
      expect(csvCell(value)).toBe(String(value));
    for (const text of ['-0.5', '+1e-3', '-.25', '-3', '1E+5']) expect(csvCell(text)).toBe(text);
    expect(csvCell('SGD')).toBe('SGD');
    expect(csvCell([0.9, 0.999])).toBe('"[0.9,0.999]"');
    expect(csvCell(null)).toBe('');
  });

  it('neutralise headers too (a column may be named after a layer the user named)', () => {
    expect(toCsv(['index', 'model.=1+1.out_features'], [[0, -0.5]])).toBe(
      'index,model.=1+1.out_features\n0,-0.5\n',
    );
    expect(toCsv(['=1+1'], [['@x']])).toBe("'=1+1\n'@x\n");
  });
});
