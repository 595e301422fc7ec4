import { hostname, userInfo } from 'node:os';

/** Who is deciding at this terminal, recorded on decisions: `user@host`. */
export function personName(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `someone@${hostname()}`;
  }
}
