/**
 * Bots and incoming webhooks, in the host settings (the host's own user only): make a bot (name
 * and an emoji), see its token once, give it a new token or revoke it; per bot, make a webhook
 * for a channel and see its URL once, with a curl example; list and delete webhooks.
 *
 * Everything shown comes from the host as text (names, room names, tokens, URLs): React escapes it,
 * nothing here renders HTML.
 */
import { type FormEvent, useMemo, useState } from 'react';

import { CopyButton } from '@/components/ui/copy-button';
import { type BotsList, type Shown, useBots } from '@/features/admin/hooks/use-bots';
import { useChat } from '@/features/chat';
import { spkiPin, useHostTls } from '@/features/encryption';
import { dayLabel } from '@/lib/format';
import { WEBHOOK_BODY_MAX, type WireBot, type WireRoom, type WireWebhook } from '@/lib/protocol';

const NAME_MAX = 32;

function ErrorLine({ text }: { text: string | null }) {
  return text ? (
    <p className="error small-text" role="alert">
      {text}
    </p>
  ) : null;
}

/**
 * A command that posts to the webhook. Over https it pins the host's key (`--pinnedpubkey`; no
 * authority vouches for the host's own certificate, so `--insecure` only skips that chain check,
 * while curl still refuses any other key).
 */
export function curlExample(url: string, fingerprint: string | null = null): string {
  const pin = url.startsWith('https:') ? spkiPin(fingerprint) : null;
  const tls = pin ? `--insecure --pinnedpubkey 'sha256//${pin}' \\\n  ` : '';
  return `curl ${tls}-X POST '${url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"text": "Hello from a script"}'`;
}

/** A token or a webhook URL, shown this once: the host keeps only its hash. */
function ShownOnce({ shown, dismiss }: { shown: Shown; dismiss: () => void }) {
  const secret = shown.kind === 'token' ? shown.token : shown.url;
  const curl = curlExample(shown.kind === 'webhook' ? shown.url : '', useHostTls()?.fingerprint ?? null);
  return (
    <div className="bot-secret" role="status" aria-label={shown.kind === 'token' ? 'New bot token' : 'New webhook URL'}>
      {shown.kind === 'token' ? (
        <p className="small-text">
          <strong>{shown.bot}</strong>’s token. Copy it now: it is shown only once. A script connects with it like any
          device (<code>auth: {'{'}"token": …{'}'}</code>); anyone who has it can post as {shown.bot}.
        </p>
      ) : (
        <p className="small-text">
          Webhook URL for <strong>{shown.bot}</strong> in <strong>#{shown.room}</strong>. Copy it now: it is shown only
          once, and anyone who has it can post there. POST JSON <code>{'{'}"text": "…"{'}'}</code> (up to{' '}
          {WEBHOOK_BODY_MAX / 1024} KiB; markdown as in a message).
        </p>
      )}
      <div className="row">
        <code className="bot-secret-value" aria-label={shown.kind === 'token' ? 'Bot token' : 'Webhook URL'}>
          {secret}
        </code>
        <CopyButton text={secret} label={shown.kind === 'token' ? 'Copy the token' : 'Copy the webhook URL'} />
      </div>
      {shown.kind === 'webhook' && (
        <>
          <pre className="bot-curl" aria-label="curl example">
            {curl}
          </pre>
          <div className="row">
            <CopyButton text={curl} label="Copy the curl example" />
          </div>
        </>
      )}
      <div className="row">
        <button type="button" className="small" onClick={dismiss}>
          Done, I copied it
        </button>
      </div>
    </div>
  );
}

function CreateBotForm({ create }: { create: (name: string, avatar: string) => Promise<string | null> }) {
  const [name, setName] = useState('');
  const [avatar, setAvatar] = useState('🤖');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const err = await create(name, avatar);
    setBusy(false);
    setError(err);
    if (!err) setName('');
  };
  return (
    <form className="bot-create" onSubmit={(e) => void submit(e)}>
      <div className="row">
        <input
          aria-label="Bot avatar"
          className="bot-avatar-input"
          value={avatar}
          maxLength={16}
          onChange={(e) => setAvatar(e.target.value)}
          title="One emoji"
        />
        <input aria-label="Bot name" placeholder="Bot name" value={name} maxLength={NAME_MAX} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="small" disabled={busy || !name.trim()}>
          Create bot
        </button>
      </div>
      <ErrorLine text={error} />
    </form>
  );
}

type RowProps = {
  bot: WireBot;
  hooks: WireWebhook[];
  channels: WireRoom[];
  resetToken: (b: WireBot) => Promise<string | null>;
  revoke: (b: WireBot) => Promise<string | null>;
  createWebhook: (b: WireBot, roomId: number) => Promise<string | null>;
  deleteWebhook: (id: number) => Promise<string | null>;
};

function BotRow({ bot, hooks, channels, resetToken, revoke, createWebhook, deleteWebhook }: RowProps) {
  const [roomId, setRoomId] = useState<number | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const chosen = roomId ?? channels[0]?.id ?? null;
  const run = (p: Promise<string | null>) => void p.then(setError);
  return (
    <li className="bot-row" aria-label={`Bot ${bot.name}`}>
      <div className="bot-head">
        <span className="bot-avatar" aria-hidden="true">
          {bot.avatar}
        </span>
        <span className="device-name">
          {bot.name}
          <span className="tag bot-tag">BOT</span>
        </span>
        <span className="muted small-text">{bot.has_token ? (bot.online ? 'Connected' : 'Has a token') : 'Revoked: no token'}</span>
      </div>
      <div className="row bot-actions">
        <button type="button" className="small" onClick={() => run(resetToken(bot))} aria-label={`New token for ${bot.name}`}>
          {bot.has_token ? 'New token' : 'Give a token'}
        </button>
        {confirming ? (
          <>
            <span className="small-text">Its token and webhooks stop working.</span>
            <button
              type="button"
              className="small danger"
              onClick={() => {
                setConfirming(false);
                run(revoke(bot));
              }}
            >
              Revoke
            </button>
            <button type="button" className="small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="small" disabled={!bot.has_token && hooks.length === 0} onClick={() => setConfirming(true)} aria-label={`Revoke ${bot.name}`}>
            Revoke…
          </button>
        )}
      </div>
      <div className="row bot-actions">
        <select aria-label={`Room for a webhook of ${bot.name}`} value={chosen ?? ''} onChange={(e) => setRoomId(Number(e.target.value))}>
          {channels.map((r) => (
            <option key={r.id} value={r.id}>
              #{r.name}
            </option>
          ))}
        </select>
        <button type="button" className="small" disabled={chosen === null} onClick={() => chosen !== null && run(createWebhook(bot, chosen))}>
          Add webhook
        </button>
      </div>
      {hooks.length > 0 && (
        <ul className="webhook-list" aria-label={`Webhooks of ${bot.name}`}>
          {hooks.map((h) => (
            <li key={h.id} className="row">
              <span className="small-text">
                Webhook {h.id} → #{h.room_name} <span className="muted">· made {dayLabel(h.created_at)}</span>
              </span>
              <button type="button" className="small" onClick={() => run(deleteWebhook(h.id))} aria-label={`Delete webhook ${h.id}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorLine text={error} />
    </li>
  );
}

export function BotsSection({ initial }: { initial: BotsList }) {
  const { bots, webhooks, error, shown, dismiss, create, resetToken, revoke, createWebhook, deleteWebhook } = useBots(initial);
  const rooms = useChat((s) => s.rooms);
  const channels = useMemo(
    () => Object.values(rooms).filter((r) => r.kind === 'channel').sort((a, b) => a.name.localeCompare(b.name)),
    [rooms],
  );
  return (
    <section className="admin-section" aria-label="Bots">
      <h3>Bots ({bots.length})</h3>
      <p className="muted small-text">
        A bot posts like a person: a script connects with its token, or anything that can send an HTTP request posts
        through a webhook into one room.
      </p>
      <ErrorLine text={error} />
      <CreateBotForm create={create} />
      {shown && <ShownOnce shown={shown} dismiss={dismiss} />}
      {bots.length > 0 && (
        <ul className="device-list">
          {bots.map((b) => (
            <BotRow
              key={b.id}
              bot={b}
              hooks={webhooks.filter((h) => h.bot_id === b.id)}
              channels={channels}
              resetToken={resetToken}
              revoke={revoke}
              createWebhook={createWebhook}
              deleteWebhook={deleteWebhook}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
