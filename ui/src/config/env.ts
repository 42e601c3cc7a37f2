/** Parse VITE_APP_* once. SERVER_URL is normally undefined: talk to the origin that served the page. */
function parse() {
  const raw = import.meta.env.VITE_APP_SERVER_URL as string | undefined;
  if (raw !== undefined && raw !== '' && !/^https?:\/\//.test(raw)) {
    throw new Error('Invalid env provided: VITE_APP_SERVER_URL must be an http(s) URL.');
  }
  return { SERVER_URL: raw || undefined };
}

export const env = parse();
