import { classifyConnectFailure, connectFailureText } from '@/lib/connect-failure';

const ORIGIN = 'http://192.168.1.5:7275';

describe('classifyConnectFailure', () => {
  it('no answer to plain HTTP either: the host is unreachable', () => {
    const f = classifyConnectFailure(undefined, false, ORIGIN);
    expect(f).toEqual({ step: 'unreachable', origin: ORIGIN });
    expect(connectFailureText(f as Exclude<typeof f, { step: 'auth' }>)).toBe(
      "Can't reach the host at http://192.168.1.5:7275: it may have stopped, or this address is not reachable from here.",
    );
  });

  it('HTTP answers but the handshake failed without a code: the host refused the connection', () => {
    const f = classifyConnectFailure(undefined, true, ORIGIN);
    expect(f).toEqual({ step: 'refused', origin: ORIGIN });
    expect(connectFailureText(f as Exclude<typeof f, { step: 'auth' }>)).toBe(
      'The host refused this connection (address or origin not accepted).',
    );
  });

  it('an error without a code (e.g. "websocket error" data) is still the transport step', () => {
    expect(classifyConnectFailure({ code: '', message: 'x' }, true, ORIGIN).step).toBe('refused');
  });

  it.each(['bad_code', 'name_taken', 'bad_token', 'rate_limited', 'invalid'])(
    'the host’s own refusal (%s) is the auth step, whatever HTTP says',
    (code) => {
      expect(classifyConnectFailure({ code, message: 'm' }, false, ORIGIN)).toEqual({
        step: 'auth',
        code,
        message: 'm',
      });
    },
  );
});
