/**
 * The built-in emoji set: a curated few hundred in categories, each with search words. Bundled
 * (no network: the page's CSP allows only its own scripts, and peers may be offline anyway).
 */
export type Emoji = { char: string; name: string };
export type EmojiCategory = { id: string; label: string; icon: string; emoji: Emoji[] };

/** "char name, char name, …" → Emoji[] (keeps the table below readable). */
function list(spec: string): Emoji[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const space = part.indexOf(' ');
      return { char: part.slice(0, space), name: part.slice(space + 1) };
    });
}

export const EMOJI_CATEGORIES: EmojiCategory[] = [
  {
    id: 'smileys',
    label: 'Smileys',
    icon: '😀',
    emoji: list(`😀 grinning, 😃 smiley, 😄 smile, 😁 grin, 😆 laughing, 😅 sweat smile, 🤣 rolling on the floor,
      😂 joy tears, 🙂 slightly smiling, 🙃 upside down, 😉 wink, 😊 blush, 😇 innocent halo, 🥰 in love hearts,
      😍 heart eyes, 🤩 star struck, 😘 kiss, 😋 yum, 😛 tongue, 😜 wink tongue, 🤪 zany, 🤑 money,
      🤗 hug, 🤭 hand over mouth, 🤫 shush, 🤔 thinking, 🤐 zipper mouth, 🤨 raised eyebrow, 😐 neutral,
      😑 expressionless, 😶 no mouth, 😏 smirk, 😒 unamused, 🙄 eye roll, 😬 grimace, 😌 relieved,
      😔 pensive, 😪 sleepy, 😴 sleeping, 😷 mask, 🤒 thermometer sick, 🤕 bandage hurt, 🤢 nauseated,
      🤮 vomit, 🥵 hot, 🥶 cold, 🥴 woozy, 😵 dizzy, 🤯 mind blown, 🤠 cowboy, 🥳 party, 😎 cool sunglasses,
      🤓 nerd, 🧐 monocle, 😕 confused, 😟 worried, 🙁 frown, 😮 open mouth, 😯 hushed, 😲 astonished,
      😳 flushed, 🥺 pleading, 😦 frowning, 😧 anguished, 😨 fearful, 😰 anxious sweat, 😥 sad relieved,
      😢 cry, 😭 sob, 😱 scream, 😖 confounded, 😣 persevere, 😞 disappointed, 😓 sweat, 😩 weary,
      😫 tired, 🥱 yawn, 😤 triumph, 😡 pout angry, 😠 angry, 🤬 cursing, 😈 smiling devil, 💀 skull,
      💩 poop, 🤡 clown, 👻 ghost, 👽 alien, 🤖 robot, 😺 smiley cat, 🙈 see no evil, 🙉 hear no evil,
      🙊 speak no evil`),
  },
  {
    id: 'people',
    label: 'Gestures',
    icon: '👍',
    emoji: list(`👍 thumbs up yes, 👎 thumbs down no, 👌 ok, 🤌 pinched fingers, ✌️ victory peace,
      🤞 crossed fingers luck, 🤟 love you, 🤘 rock on, 🤙 call me, 👈 point left, 👉 point right,
      👆 point up, 👇 point down, ☝️ index up, ✋ raised hand, 🤚 raised back of hand, 🖐️ hand splayed,
      🖖 vulcan, 👋 wave hello bye, 👏 clap, 🙌 raised hands hooray, 👐 open hands, 🤲 palms up,
      🤝 handshake deal, 🙏 pray thanks please, ✍️ writing, 💪 muscle strong, 🦾 mechanical arm,
      🧠 brain, 👀 eyes looking, 👁️ eye, 👂 ear, 👃 nose, 👄 mouth, 🫡 salute, 🫶 heart hands,
      🤷 shrug, 🤦 facepalm, 🙋 raising hand, 🙆 ok gesture, 🙅 no gesture, 💁 tipping hand,
      🙇 bow, 🧑‍💻 technologist coder, 🧑‍🍳 cook, 🧑‍🎨 artist, 🕺 dancing man, 💃 dancer, 🏃 runner,
      🚶 walking, 🧘 yoga`),
  },
  {
    id: 'hearts',
    label: 'Hearts',
    icon: '❤️',
    emoji: list(`❤️ red heart love, 🧡 orange heart, 💛 yellow heart, 💚 green heart, 💙 blue heart,
      💜 purple heart, 🖤 black heart, 🤍 white heart, 🤎 brown heart, 💔 broken heart, ❣️ heart exclamation,
      💕 two hearts, 💞 revolving hearts, 💓 beating heart, 💗 growing heart, 💖 sparkling heart,
      💘 cupid arrow, 💝 heart ribbon gift, 💟 heart decoration, 💋 kiss mark, 💯 hundred, 💢 anger,
      💥 boom collision, 💫 dizzy star, 💦 sweat drops, 💨 dash, 💬 speech bubble, 💭 thought bubble,
      💤 zzz sleep`),
  },
  {
    id: 'nature',
    label: 'Animals & nature',
    icon: '🐶',
    emoji: list(`🐶 dog, 🐱 cat, 🐭 mouse, 🐹 hamster, 🐰 rabbit bunny, 🦊 fox, 🐻 bear, 🐼 panda,
      🐨 koala, 🐯 tiger, 🦁 lion, 🐮 cow, 🐷 pig, 🐸 frog, 🐵 monkey, 🐔 chicken, 🐧 penguin,
      🐦 bird, 🦆 duck, 🦉 owl, 🦄 unicorn, 🐝 bee, 🐛 bug, 🦋 butterfly, 🐌 snail, 🐞 ladybug,
      🐢 turtle, 🐍 snake, 🐙 octopus, 🦀 crab, 🐠 fish, 🐬 dolphin, 🐳 whale, 🦈 shark, 🐘 elephant,
      🦒 giraffe, 🌵 cactus, 🌲 tree evergreen, 🌴 palm tree, 🌱 seedling, 🍀 four leaf clover luck,
      🍁 maple leaf, 🍂 fallen leaves autumn, 🌷 tulip, 🌹 rose, 🌻 sunflower, 🌸 cherry blossom,
      🌞 sun face, 🌙 moon, ⭐ star, 🌟 glowing star, ✨ sparkles, ⚡ lightning zap, 🔥 fire lit,
      🌈 rainbow, ☀️ sunny, ⛅ cloudy, 🌧️ rain, ⛄ snowman, ❄️ snowflake, 🌊 wave ocean`),
  },
  {
    id: 'food',
    label: 'Food & drink',
    icon: '🍕',
    emoji: list(`🍏 green apple, 🍎 apple, 🍐 pear, 🍊 orange tangerine, 🍋 lemon, 🍌 banana, 🍉 watermelon,
      🍇 grapes, 🍓 strawberry, 🍒 cherries, 🍑 peach, 🥭 mango, 🍍 pineapple, 🥥 coconut, 🥝 kiwi,
      🍅 tomato, 🥑 avocado, 🌶️ hot pepper, 🌽 corn, 🥕 carrot, 🥔 potato, 🥐 croissant, 🍞 bread,
      🧀 cheese, 🥚 egg, 🍳 cooking, 🥞 pancakes, 🥓 bacon, 🍔 hamburger, 🍟 fries, 🍕 pizza,
      🌭 hot dog, 🌮 taco, 🌯 burrito, 🥗 salad, 🍝 spaghetti pasta, 🍜 ramen noodles, 🍣 sushi,
      🍱 bento, 🍩 doughnut, 🍪 cookie, 🎂 birthday cake, 🍰 cake, 🧁 cupcake, 🍫 chocolate, 🍬 candy,
      🍿 popcorn, ☕ coffee, 🍵 tea, 🧃 juice, 🥤 soda cup, 🍺 beer, 🍻 cheers beers, 🍷 wine,
      🥂 champagne toast, 🍸 cocktail, 🍾 bottle celebrate`),
  },
  {
    id: 'activity',
    label: 'Activities',
    icon: '🎉',
    emoji: list(`🎉 tada party celebrate, 🎊 confetti, 🎈 balloon, 🎁 gift present, 🎀 ribbon, 🎄 christmas tree,
      🎃 jack o lantern halloween, 🏆 trophy win, 🥇 first place gold medal, 🥈 second place, 🥉 third place,
      🏅 medal, ⚽ soccer football, 🏀 basketball, 🏈 american football, ⚾ baseball, 🎾 tennis,
      🏐 volleyball, 🏓 ping pong, 🏸 badminton, 🥊 boxing, 🎯 bullseye target, 🎳 bowling, 🎮 video game,
      🕹️ joystick, 🎲 dice game, ♟️ chess, 🧩 puzzle, 🎨 art palette, 🎬 clapper movie, 🎤 microphone,
      🎧 headphones music, 🎵 music note, 🎶 notes, 🎸 guitar, 🎹 piano, 🥁 drum, 🎺 trumpet,
      🚴 cycling, 🏊 swimming, 🏄 surfing, ⛷️ skier, 🏋️ weight lifting`),
  },
  {
    id: 'objects',
    label: 'Travel & objects',
    icon: '💡',
    emoji: list(`🚗 car, 🚕 taxi, 🚌 bus, 🚓 police car, 🚑 ambulance, 🚒 fire engine, 🚲 bicycle,
      🛴 scooter, 🚀 rocket launch ship it, ✈️ airplane, 🚁 helicopter, ⛵ sailboat, 🚢 ship, 🚂 train,
      🏠 house home, 🏢 office building, 🏖️ beach, 🏔️ mountain, 🗺️ map, 🧭 compass, ⌚ watch, 📱 phone mobile,
      💻 laptop computer, ⌨️ keyboard, 🖥️ desktop, 🖨️ printer, 🖱️ mouse computer, 💾 floppy save, 💿 disc,
      📷 camera, 🎥 movie camera, 📺 tv, 📻 radio, ⏰ alarm clock, ⏳ hourglass waiting, 💡 bulb idea,
      🔦 flashlight, 🔋 battery, 🔌 plug, 💸 money flying, 💰 money bag, 💳 credit card, 📦 package box,
      📫 mailbox, ✉️ envelope mail, 📝 memo note, 📄 page document, 📅 calendar date, 📌 pin, 📎 paperclip,
      ✂️ scissors, 🔒 lock, 🔓 unlock, 🔑 key, 🔨 hammer, 🛠️ tools, ⚙️ gear settings, 🧪 test tube,
      🔬 microscope, 🔭 telescope, 📚 books, 📖 book open, 🔍 magnifier search, 🗑️ wastebasket trash,
      🧹 broom, 🛒 shopping cart, ☂️ umbrella`),
  },
  {
    id: 'symbols',
    label: 'Symbols',
    icon: '✅',
    emoji: list(`✅ check mark done, ☑️ ballot check, ✔️ heavy check, ❌ cross mark no, ❎ cross button,
      ➕ plus, ➖ minus, ➗ divide, ✖️ multiply, ❓ question, ❔ white question, ❗ exclamation,
      ‼️ double exclamation, ⁉️ interrobang, ⚠️ warning, 🚫 prohibited, ⛔ no entry, 🛑 stop sign,
      ⭕ circle, 🔴 red circle, 🟠 orange circle, 🟡 yellow circle, 🟢 green circle, 🔵 blue circle,
      🟣 purple circle, ⚫ black circle, ⚪ white circle, 🟥 red square, 🟩 green square, 🟦 blue square,
      🔺 red triangle up, 🔻 red triangle down, ▶️ play, ⏸️ pause, ⏹️ stop, ⏩ fast forward, 🔁 repeat,
      🔄 arrows refresh, ⬆️ up arrow, ⬇️ down arrow, ⬅️ left arrow, ➡️ right arrow, ↩️ reply back,
      🆗 ok button, 🆕 new, 🆒 cool button, 🆘 sos, 💲 dollar, ♻️ recycle, 🔔 bell, 🔕 no bell,
      📣 megaphone, 📢 loudspeaker, 🏁 checkered flag finish, 🚩 red flag, 🏳️ white flag, 🏴 black flag`),
  },
];

/** The reactions offered in one click from a message's hover bar. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉'] as const;

/** Every emoji once, for search. */
export const ALL_EMOJI: Emoji[] = EMOJI_CATEGORIES.flatMap((c) => c.emoji);

/** Emoji whose name has a word starting with the query (or whose character is the query). */
export function searchEmoji(query: string, limit = 64): Emoji[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const out: Emoji[] = [];
  for (const e of ALL_EMOJI) {
    if (e.char === q || e.name.split(' ').some((w) => w.startsWith(q))) out.push(e);
    if (out.length >= limit) break;
  }
  return out;
}

/** A readable name for an emoji we know (for labels and titles), else the emoji itself. */
export function emojiName(char: string): string {
  return ALL_EMOJI.find((e) => e.char === char)?.name.split(' ')[0]?.replace(/_/g, ' ') ?? char;
}
