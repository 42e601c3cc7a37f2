import { FileHttpError } from '@/lib/file-api';
import {
  CLIENT_CHUNK,
  checkSize,
  forgetPending,
  formatBytes,
  loadPending,
  MAX_RETRIES,
  nextChunk,
  type PendingUpload,
  rememberPending,
  retryDelay,
  uploadErrorText,
} from '@/lib/upload';

const MB = 1024 * 1024;

function pending(id: string, over: Partial<PendingUpload> = {}): PendingUpload {
  return { upload_id: id, room_id: 1, name: 'a.bin', size: 10, sha256: 'ab'.repeat(32), offset: 0, updated_at: '', ...over };
}

describe('chunk planning', () => {
  it('sends at most the smaller of the host chunk and our own', () => {
    expect(nextChunk(0, 100 * MB, 8 * MB)).toEqual({ start: 0, end: CLIENT_CHUNK });
    expect(nextChunk(0, 100 * MB, 512 * 1024)).toEqual({ start: 0, end: 512 * 1024 });
  });

  it('continues from the host offset and ends at the size', () => {
    expect(nextChunk(5 * MB, 6 * MB, 8 * MB)).toEqual({ start: 5 * MB, end: 6 * MB });
    expect(nextChunk(6 * MB + 1, 6 * MB, 8 * MB)).toBeNull();
  });

  it('finishes with an empty chunk when every byte arrived but the last answer was lost', () => {
    expect(nextChunk(6 * MB, 6 * MB, 8 * MB)).toEqual({ start: 6 * MB, end: 6 * MB });
  });

  it('backs off up to a ceiling and gives up after a bounded number of tries', () => {
    expect(retryDelay(1)).toBe(500);
    expect(retryDelay(2)).toBeGreaterThan(retryDelay(1));
    expect(retryDelay(50)).toBe(5000);
    expect(MAX_RETRIES * 5000).toBeLessThanOrEqual(15 * 60 * 1000);
  });
});

describe('size checks', () => {
  it('refuses over the host limit before sending, saying both sizes', () => {
    expect(checkSize(150 * MB, 100 * MB)).toBe('That file is 150 MB; this host accepts files up to 100 MB.');
    expect(checkSize(100 * MB, 100 * MB)).toBeNull();
    expect(checkSize(0, 100 * MB)).toBe('That file is empty.');
  });

  it('formats sizes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(3 * MB)).toBe('3.0 MB');
  });

  it('explains what the host said', () => {
    expect(uploadErrorText(new FileHttpError(422, 'invalid', 'x'))).toMatch(/SHA-256/);
    expect(uploadErrorText(new FileHttpError(413, 'too_large', 'x', { limit: 10 * MB }))).toBe(
      'That file is larger than this host accepts (10.0 MB).',
    );
    expect(uploadErrorText(new FileHttpError(403, 'forbidden', 'You are not a member of that room.'))).toBe(
      'You are not a member of that room.',
    );
  });
});

describe('pending uploads across reloads', () => {
  it('remembers per scope, replaces the same content, forgets on demand', () => {
    rememberPending('h:1', pending('a'));
    rememberPending('h:1', pending('b', { sha256: 'cd'.repeat(32) }));
    rememberPending('h:2', pending('c'));
    // The same room, size and hash under a new id (the host started over): one entry.
    rememberPending('h:1', pending('a2', { offset: 4 }));
    expect(loadPending('h:1').map((p) => [p.upload_id, p.offset])).toEqual([
      ['b', 0],
      ['a2', 4],
    ]);
    forgetPending('h:1', (p) => p.upload_id === 'b');
    expect(loadPending('h:1').map((p) => p.upload_id)).toEqual(['a2']);
    expect(loadPending('h:2').map((p) => p.upload_id)).toEqual(['c']);
  });

  it('ignores garbage in storage', () => {
    localStorage.setItem('parley:uploads:h:1', '{"not": "a list"}');
    expect(loadPending('h:1')).toEqual([]);
    localStorage.setItem('parley:uploads:h:1', '[null, {"upload_id": 5}]');
    expect(loadPending('h:1')).toEqual([]);
  });
});
