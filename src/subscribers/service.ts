import type pg from 'pg';
import { type Queryable, withTransaction } from '../db/transaction.ts';
import { ValidationError } from '../errors.ts';
import { cancelPendingForSubscriber } from '../mail-queue/store.ts';
import type { AddressHasher } from './address-hash.ts';
import { normalizeEmailAddress } from './email-address.ts';
import { KnownTimeZones } from './known-time-zones.ts';
import { type PreferencesInput, resolvePreferences } from './preferences.ts';
import { requestTokenSubject, type SubscriptionRequest } from './requests.ts';
import * as store from './store.ts';
import type { Subscriber } from './subscriber.ts';
import type { LinkTokens, ParsedToken, TokenPurpose } from './tokens.ts';

export type SubscribeInput = PreferencesInput & { email: string };

/** The longest pause a reader can choose. */
export const MAX_PAUSE_WEEKS = 4;

export type LinkCheck =
  | { ok: true; subscriber: Subscriber }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'expired'; subscriber: Subscriber };

type ConfirmOutcome = 'confirmed' | 'preferences-updated' | 'already-confirmed';

export type ConfirmResult =
  | { ok: true; subscriber: Subscriber; outcome: ConfirmOutcome }
  | Exclude<LinkCheck, { ok: true }>;

/**
 * The subscription lifecycle: subscribe → confirm → (change preferences) → unsubscribe.
 * Every mail it calls for is a deliveries row written in the same transaction; nothing here
 * talks to SMTP.
 */
export class SubscriberService {
  private readonly timeZones: KnownTimeZones;

  constructor(
    private readonly pool: pg.Pool,
    private readonly tokens: LinkTokens,
    private readonly hasher: AddressHasher,
    /** Database.namedStatements */
    private readonly namedStatements: () => Promise<boolean> = async () => false,
  ) {
    this.timeZones = new KnownTimeZones(pool);
  }

  /**
   * Records a request to subscribe. The caller learns nothing about the address: new,
   * pending, active and unsubscribed addresses all end the same way for them, and take the
   * same statements to get there, so the time of the answer does not tell them apart either
   * (bench/subscribe-timing.ts). Throws ValidationError (before writing anything) for bad
   * input.
   */
  async subscribe(input: SubscribeInput): Promise<void> {
    const email = normalizeEmailAddress(input.email);
    const preferences = resolvePreferences(input);
    await this.timeZones.check(preferences.timezone);
    // one statement: the address, the request with its own preferences (the link applies them and
    // nothing else), and its confirmation mail, all or nothing; one round trip to the database
    // named where it can be: parsing and planning this statement cost PostgreSQL more than running it
    await store.subscribe(this.pool, {
      email,
      preferences,
      addressHash: this.hasher.hash(email),
      named: await this.namedStatements(),
    });
  }

  /**
   * Checks a link token without changing anything. Inside a transaction that acts on the link,
   * pass its client and `lock: true`: the subscriber's row stays locked (FOR UPDATE) until the
   * transaction ends, so two clicks of one link take turns.
   */
  async checkLink(
    token: string,
    purpose: TokenPurpose,
    {
      client = this.pool,
      lock = false,
      object,
    }: { client?: Queryable; lock?: boolean; object?: string } = {},
  ): Promise<LinkCheck> {
    const parsed = this.tokens.parse(token);
    if (!parsed) return { ok: false, reason: 'invalid' };
    const subscriber = await store.findById(client, { id: parsed.subjectId, lock });
    if (!subscriber) return { ok: false, reason: 'invalid' };
    if (!this.tokens.matches(parsed, purpose, subscriber, object)) return { ok: false, reason: 'invalid' };
    if (parsed.expiresAt && parsed.expiresAt.getTime() <= Date.now())
      return { ok: false, reason: 'expired', subscriber };
    return { ok: true, subscriber };
  }

  /**
   * What following a confirmation link would do, changing nothing: link scanners and previewers
   * fetch every link of a mail, so the link's page only shows this, and its button (a POST) calls
   * confirm(). `preferences` are the ones the reader will have once it is applied.
   */
  async checkConfirmation(token: string): Promise<ConfirmResult> {
    const parsed = this.tokens.parse(token);
    if (!parsed) return { ok: false, reason: 'invalid' };
    const inspected = await this.inspectConfirmation(parsed, this.pool, false);
    if (!inspected.ok) return inspected;
    const { subscriber, outcome, request } = inspected;
    return {
      ok: true,
      outcome,
      subscriber: request ? { ...subscriber, preferences: request.preferences } : subscriber,
    };
  }

  /**
   * Applies the request a confirmation link was sent for, once (a pending or unsubscribed address
   * becomes active with the preferences of that request; an active one gets that change).
   * Applying it again changes nothing.
   */
  async confirm(token: string): Promise<ConfirmResult> {
    const parsed = this.tokens.parse(token);
    if (!parsed) return { ok: false, reason: 'invalid' };
    return withTransaction(this.pool, async (client) => {
      const inspected = await this.inspectConfirmation(parsed, client, true);
      if (!inspected.ok || inspected.outcome === 'already-confirmed') return inspected;
      const { subscriber, request, outcome } = inspected;
      if (request) {
        await store.updatePreferences(client, {
          subscriberId: subscriber.id,
          preferences: request.preferences,
        });
        await store.markRequestApplied(client, { requestId: request.id });
      }
      if (subscriber.status !== 'active') await store.activate(client, { subscriberId: subscriber.id });
      await store.confirmationAnswered(client, { subscriberId: subscriber.id });
      const preferences = request?.preferences ?? subscriber.preferences;
      return { ok: true, subscriber: { ...subscriber, status: 'active', preferences }, outcome };
    });
  }

  /**
   * The subscriber, request and outcome of a confirmation link; with `lock`, both rows stay locked
   * until the caller's transaction ends, so two presses of one button take turns.
   */
  private async inspectConfirmation(
    parsed: ParsedToken,
    client: Queryable,
    lock: boolean,
  ): Promise<ConfirmResult & { request?: SubscriptionRequest }> {
    const request = await store.findRequest(client, { id: parsed.subjectId, lock });
    // a link signed for anything but a request (or for one erased since) confirms nothing
    if (!request) return { ok: false, reason: 'invalid' };
    // the request's subscriber exists: the foreign key deletes requests with their subscriber
    const subscriber = (await store.findById(client, { id: request.subscriberId, lock })) as Subscriber;
    if (!this.tokens.matches(parsed, 'confirm', requestTokenSubject(request, subscriber)))
      return { ok: false, reason: 'invalid' };
    if (parsed.expiresAt && parsed.expiresAt.getTime() <= Date.now())
      return { ok: false, reason: 'expired', subscriber };
    if (request.appliedAt) return { ok: true, subscriber, outcome: 'already-confirmed' };
    return {
      ok: true,
      subscriber,
      request,
      outcome: subscriber.status === 'active' ? 'preferences-updated' : 'confirmed',
    };
  }

  /** The request a confirmation mail is about. */
  findRequest(id: string): Promise<SubscriptionRequest | undefined> {
    return store.findRequest(this.pool, { id });
  }

  /** Applies a preferences form sent through a preferences link. */
  async updatePreferences(token: string, input: PreferencesInput): Promise<LinkCheck> {
    return withTransaction(this.pool, async (client) => {
      const check = await this.checkLink(token, 'preferences', { client, lock: true });
      if (!check.ok) return check;
      const preferences = resolvePreferences(input, check.subscriber.preferences);
      if (input.timezone !== undefined) await this.timeZones.check(preferences.timezone);
      await store.updatePreferences(client, { subscriberId: check.subscriber.id, preferences });
      return { ok: true, subscriber: { ...check.subscriber, preferences } };
    });
  }

  /**
   * Subscribes an unsubscribed address again from its preferences link, in one click: the link
   * came in mail to that address, which is the proof double opt-in asks for. Idempotent.
   */
  async resubscribe(token: string): Promise<LinkCheck> {
    return withTransaction(this.pool, async (client) => {
      const check = await this.checkLink(token, 'preferences', { client, lock: true });
      if (!check.ok || check.subscriber.status !== 'unsubscribed') return check;
      await store.activate(client, { subscriberId: check.subscriber.id });
      return { ok: true, subscriber: { ...check.subscriber, status: 'active', unsubscribedAt: null } };
    });
  }

  /**
   * Pauses the digest for `weeks` (1–MAX_PAUSE_WEEKS) from now, or resumes it (`weeks` 0), from
   * the preferences link. Digests due meanwhile are not sent; nothing is sent late.
   */
  async pause(token: string, weeks: number): Promise<LinkCheck> {
    if (!Number.isInteger(weeks) || weeks < 0 || weeks > MAX_PAUSE_WEEKS)
      throw new ValidationError('weeks', `must be a whole number from 0 to ${MAX_PAUSE_WEEKS}`);
    return withTransaction(this.pool, async (client) => {
      const check = await this.checkLink(token, 'preferences', { client, lock: true });
      if (!check.ok) return check;
      const pausedUntil = weeks === 0 ? null : new Date(Date.now() + weeks * 7 * 86_400_000);
      await store.setPausedUntil(client, { subscriberId: check.subscriber.id, pausedUntil });
      return { ok: true, subscriber: { ...check.subscriber, pausedUntil } };
    });
  }

  /** One-click unsubscribe. Idempotent; cancels mail not yet sent. */
  async unsubscribe(token: string): Promise<LinkCheck> {
    return withTransaction(this.pool, async (client) => {
      const check = await this.checkLink(token, 'unsubscribe', { client, lock: true });
      if (!check.ok) return check;
      if (check.subscriber.status !== 'unsubscribed') {
        await store.unsubscribe(client, { subscriberId: check.subscriber.id });
        await cancelPendingForSubscriber(client, { subscriberId: check.subscriber.id });
      }
      return check;
    });
  }

  /**
   * Unsubscribes a subscriber whose own signed address (a List-Unsubscribe mailto, checked by its
   * caller) asked for it. Idempotent; cancels mail not yet sent, as the link does.
   */
  async unsubscribeVerified(subscriberId: string): Promise<void> {
    const subscriber = await this.findById(subscriberId);
    if (!subscriber || subscriber.status === 'unsubscribed') return;
    await withTransaction(this.pool, async (client) => {
      await store.unsubscribe(client, { subscriberId });
      await cancelPendingForSubscriber(client, { subscriberId });
    });
  }

  async findById(id: string): Promise<Subscriber | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return undefined;
    return store.findById(this.pool, { id });
  }

  async findByEmail(email: string): Promise<Subscriber | undefined> {
    return store.findByEmail(this.pool, { email: email.trim() });
  }
}
