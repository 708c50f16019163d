/**
 * Password strength for the meter on new-password fields. zxcvbn and its word lists are large, so
 * they load on first use (a separate chunk), never with the main bundle.
 */

export interface Strength {
  /** 0 (guessed at once) … 4 (very hard to guess). */
  readonly score: 0 | 1 | 2 | 3 | 4;
  /** zxcvbn's advice, if any, e.g. "Add more words that are less common." */
  readonly advice: string | null;
}

type Check = (password: string, userInputs: readonly string[]) => Strength;

let loading: Promise<Check> | null = null;

async function load(): Promise<Check> {
  const [core, common, en] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]);
  const zxcvbn = new core.ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
  });
  return function check(password: string, userInputs: readonly string[]): Strength {
    const result = zxcvbn.check(password, [...userInputs]);
    const advice = result.feedback.warning ?? result.feedback.suggestions[0] ?? null;
    return { score: result.score, advice: advice === '' ? null : advice };
  };
}

/** The words a guesser tries first: each input, the part of an email address before the @, and the words of a name. */
function personalWords(userInputs: readonly string[]): string[] {
  const words = userInputs.flatMap((input) => [input, input.split('@')[0] ?? '', ...input.split(/[^\p{L}\p{N}]+/u)]);
  return [...new Set(words.map((w) => w.trim().toLowerCase()).filter((w) => w.length >= 3))];
}

/** The server refuses a password holding the part of the email before the @ (src/account/password-policy.ts). */
function containsEmailLocalPart(password: string, userInputs: readonly string[]): boolean {
  const lowered = password.toLowerCase();
  return userInputs.some((input) => {
    if (!input.includes('@')) return false;
    const local = input.split('@')[0] ?? '';
    return local.length >= 3 && lowered.includes(local.toLowerCase());
  });
}

/** Rates a password; the first call loads the library. */
export async function rateStrength(password: string, userInputs: readonly string[] = []): Promise<Strength> {
  if (containsEmailLocalPart(password, userInputs)) return { score: 0, advice: 'It contains the part of your email address before the @.' };
  loading ??= load();
  const check = await loading;
  return check(password, personalWords(userInputs));
}
