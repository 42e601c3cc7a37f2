/** Read `#owner=KEY` / `#code=CODE` / `#signin=SECRET` from the address once, then clear it. */
export type FragmentParams = { owner?: string; code?: string; signin?: string };

export function takeFragment(loc: Location = window.location, hist: History = window.history): FragmentParams {
  const hash = loc.hash.replace(/^#/, '');
  if (!hash) return {};
  const params = new URLSearchParams(hash);
  const out: FragmentParams = {};
  const owner = params.get('owner');
  const code = params.get('code');
  if (owner) out.owner = owner;
  if (code) out.code = code;
  const signin = params.get('signin');
  if (signin) out.signin = signin;
  if (owner || code || signin) {
    // Keys and codes must not stay in the address bar, history or a copied URL.
    hist.replaceState(hist.state, '', loc.pathname + loc.search);
  }
  return out;
}
