/**
 * Read `#owner=KEY` / `#code=CODE` / `&fp=FINGERPRINT` (the host's TLS key, to compare with what
 * the host says) / `#signin=SECRET` from the address once, then clear the fragment.
 */
export type FragmentParams = { owner?: string; code?: string; fp?: string; signin?: string };

export function takeFragment(loc: Location = window.location, hist: History = window.history): FragmentParams {
  const hash = loc.hash.replace(/^#/, '');
  if (!hash) return {};
  const params = new URLSearchParams(hash);
  const out: FragmentParams = {};
  const owner = params.get('owner');
  const code = params.get('code');
  const fp = params.get('fp');
  if (owner) out.owner = owner;
  if (code) out.code = code;
  if (fp) out.fp = fp;
  const signin = params.get('signin');
  if (signin) out.signin = signin;
  if (owner || code || fp || signin) {
    // Keys and codes must not stay in the address bar, history or a copied URL.
    hist.replaceState(hist.state, '', loc.pathname + loc.search);
  }
  return out;
}
