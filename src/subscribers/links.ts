import type { LinkTokens, TokenPurpose, TokenSubject } from './tokens.ts';

/** The path of each kind of link in mail; the HTTP routes serve `${path}/:token`. */
export const LINK_PATHS = {
  confirm: '/confirm',
  preferences: '/preferences',
  unsubscribe: '/unsubscribe',
  more: '/more-like-this',
  less: '/less-like-this',
  feed: '/feeds',
} as const satisfies Record<TokenPurpose, string>;

/** The signed links of a subscriber's mail and pages, built in one place. */
export class SubscriberLinks {
  constructor(
    private readonly publicUrl: string,
    private readonly tokens: LinkTokens,
  ) {}

  /** The link of a purpose; expiresAt for links that expire (confirmation). */
  url(purpose: TokenPurpose, subject: TokenSubject, expiresAt?: Date): string {
    return this.urlOfToken(purpose, this.tokens.create(purpose, subject, expiresAt));
  }

  /** The link of a token made already (one token in two places, as in List-Unsubscribe). */
  urlOfToken(purpose: TokenPurpose, token: string): string {
    return `${this.publicUrl}${LINK_PATHS[purpose]}/${token}`;
  }

  /** "More like this" or "less like this" on one paper: `${path}/${token}/${arXiv id}`. */
  feedbackUrl(purpose: 'more' | 'less', subject: TokenSubject, arxivId: string): string {
    return `${this.urlOfToken(purpose, this.tokens.create(purpose, subject, undefined, arxivId))}/${arxivId}`;
  }

  /** The two links every digest carries. */
  forDigest(subject: TokenSubject): {
    preferencesUrl: string;
    unsubscribeUrl: string;
    unsubscribeToken: string;
    feedbackUrl(purpose: 'more' | 'less', arxivId: string): string;
  } {
    const unsubscribeToken = this.tokens.create('unsubscribe', subject);
    return {
      preferencesUrl: this.url('preferences', subject),
      unsubscribeUrl: this.urlOfToken('unsubscribe', unsubscribeToken),
      unsubscribeToken,
      feedbackUrl: (purpose, arxivId) => this.feedbackUrl(purpose, subject, arxivId),
    };
  }
}
