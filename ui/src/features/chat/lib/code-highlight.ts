/**
 * Syntax highlighting for fenced code blocks, loaded only when a message has one (a dynamic
 * import of this module from message-body). Only common languages are registered, to keep the
 * chunk small; other languages, and blocks without one, stay plain. highlight.js escapes the
 * code it wraps, so its output carries no markup from the message.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

import './code-highlight.css';

const LANGUAGES = { bash, c, cpp, csharp, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);

// Guessing the language of a long block costs more than it gives.
const AUTO_MAX_CHARS = 4000;

/** Highlight one `<code>` of a fenced block in place (its class names the language, if any). */
export function highlightBlock(code: HTMLElement): void {
  if (code.dataset.highlighted) return;
  const lang = /(?:^|\s)language-([\w+#-]+)/.exec(code.className)?.[1]?.toLowerCase();
  const text = code.textContent ?? '';
  let html: string | null = null;
  if (lang && hljs.getLanguage(lang)) html = hljs.highlight(text, { language: lang, ignoreIllegals: true }).value;
  else if (!lang && text.length <= AUTO_MAX_CHARS) {
    const guess = hljs.highlightAuto(text);
    if (guess.relevance >= 5) html = guess.value;
  }
  code.dataset.highlighted = 'yes';
  if (html !== null) {
    code.innerHTML = html; // highlight.js output: the text escaped, wrapped in its own spans
    code.classList.add('hljs');
  }
}
