import type { AssignorName, ClassicGroupStatus, ErrorCode, TopicPartition } from './types.ts';
import type { Message } from './state.ts';
import type { GroupRecord } from './records.ts';
import type { Response } from './protocol.ts';
import type { CommitMode } from './config.ts';

/**
 * Events of a history, fully resolved (real consumer ids and topic names). These are what a
 * counterexample file stores and what `step` consumes. Time is an event; faults are events.
 */
export type HistoryEvent =
  | {
      readonly type: 'StartConsumer';
      readonly consumer: string;
      readonly groupInstanceId: string | null;
      readonly subscription: readonly string[];
      readonly assignors: readonly AssignorName[];
      /** Per-consumer overrides of the client defaults (heterogeneous clients); absent: the default. */
      readonly sessionTimeoutMs?: number;
      readonly maxPollIntervalMs?: number;
      readonly processingTimeMs?: number;
      readonly commitMode?: CommitMode;
    }
  /** KafkaConsumer.close(): a dynamic member sends LeaveGroup; a static member does not (KIP-345). */
  | { readonly type: 'CloseConsumer'; readonly consumer: string }
  /** The process dies: no LeaveGroup, its connections are gone. */
  | { readonly type: 'CrashConsumer'; readonly consumer: string }
  /**
   * A rolling restart: the process stops (crashes, or closes cleanly) and starts again after
   * `downMs`, with the same group.instance.id if it has one — and, for a redeploy that changes
   * the configuration, with a new subscription.
   */
  | {
      readonly type: 'BounceConsumer';
      readonly consumer: string;
      readonly how: 'crash' | 'close';
      readonly downMs: number;
      readonly subscription?: readonly string[];
      /** The process comes back with these assignors (a rolling upgrade, KIP-429). */
      readonly assignors?: readonly AssignorName[];
    }
  /** A stopped consumer's process starts again, with the same group.instance.id if it has one. */
  | { readonly type: 'RestartConsumer'; readonly consumer: string }
  /** The application thread blocks (slow processing); the heartbeat thread keeps running (KIP-62). */
  | { readonly type: 'StallConsumer'; readonly consumer: string; readonly durationMs: number }
  /** The whole process freezes (GC pause, SIGSTOP): no heartbeats, no processing. */
  | { readonly type: 'PauseConsumer'; readonly consumer: string; readonly durationMs: number }
  /** KafkaConsumer.subscribe() with new topics; for a stopped consumer, the subscription it restarts with. */
  | { readonly type: 'ChangeSubscription'; readonly consumer: string; readonly subscription: readonly string[] }
  /** The consumer's network link is slow: for `durationMs`, every message to or from it takes `latencyMs`. */
  | { readonly type: 'SlowLink'; readonly consumer: string; readonly latencyMs: number; readonly durationMs: number }
  | { readonly type: 'CreateTopic'; readonly topic: string; readonly partitions: number }
  | { readonly type: 'DeleteTopic'; readonly topic: string }
  /** Increase a topic's partition count to `partitions`. */
  | { readonly type: 'AddPartitions'; readonly topic: string; readonly partitions: number }
  | { readonly type: 'Produce'; readonly partition: TopicPartition; readonly count: number }
  /** Delay every message now in flight on one direction of a consumer's connection. */
  | {
      readonly type: 'DelayMessages';
      readonly consumer: string;
      readonly direction: 'request' | 'response';
      readonly delayMs: number;
    }
  /** Lose the next message in flight on one direction of a consumer's connection. */
  | { readonly type: 'DropMessage'; readonly consumer: string; readonly direction: 'request' | 'response' }
  /**
   * A broker process dies: its connections break and the controller fences it at once; if it led
   * the group's partition, its coordinator is gone and a new leader is elected (§5).
   */
  | { readonly type: 'CrashBroker'; readonly broker: string }
  /** A crashed broker starts again; with `diskLost` its replica of the partition is empty. */
  | { readonly type: 'RestartBroker'; readonly broker: string; readonly diskLost: boolean }
  /** A follower's fetches stall for `durationMs`: acknowledgements wait, and it may leave the ISR. */
  | { readonly type: 'LagFollower'; readonly broker: string; readonly durationMs: number }
  /** Leadership of the group's partition moves to `broker` (preferred-leader election, reassignment). */
  | { readonly type: 'MoveCoordinator'; readonly broker: string }
  /** Admin DeleteGroups: only an Empty group can be deleted (NON_EMPTY_GROUP otherwise). */
  | { readonly type: 'DeleteGroup' }
  /** Let time pass: timers fire and messages arrive, one model step each. */
  | { readonly type: 'AdvanceTime'; readonly durationMs: number };

/**
 * The step the harness takes inside AdvanceTime: fire the next due timer or message at or
 * before `untilMs`, or, if none is due, move the clock to `untilMs`.
 */
export interface TickEvent {
  readonly type: 'Tick';
  readonly untilMs: number;
}

export type StepEvent = HistoryEvent | TickEvent;

export type HistoryEventType = HistoryEvent['type'];

/** Events that perturb the group (the TLA+ "perturbation" actions, bounded per run). */
export const PERTURBATIONS: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'CloseConsumer',
  'CrashConsumer',
  'BounceConsumer',
  'StallConsumer',
  'PauseConsumer',
  'DelayMessages',
  'SlowLink',
  'DropMessage',
  'DeleteTopic',
  'DeleteGroup',
  'CrashBroker',
  'RestartBroker',
  'LagFollower',
  'MoveCoordinator',
]);

/**
 * Effects: what a step did, as data. Nothing is executed by returning them; they feed the trace
 * renderer, the reports and the action properties.
 */
export type Effect =
  | { readonly kind: 'send'; readonly message: Message }
  | { readonly kind: 'deliver'; readonly message: Message }
  | { readonly kind: 'discard'; readonly message: Message; readonly reason: string }
  | { readonly kind: 'append'; readonly records: readonly GroupRecord[] }
  | {
      /** The coordinator answered a request (immediately, or when a parked request completed). */
      readonly kind: 'answer';
      readonly api: 'ConsumerGroupHeartbeat' | 'JoinGroup' | 'SyncGroup' | 'Heartbeat' | 'LeaveGroup' | 'OffsetCommit' | 'OffsetFetch';
      readonly memberId: string;
      readonly groupInstanceId: string | null;
      readonly generationId: number;
      readonly errorCode: ErrorCode;
    }
  | {
      /** The coordinator validated an OffsetCommit and wrote its records; the answer follows the append. */
      readonly kind: 'accepted';
      readonly api: 'OffsetCommit';
      readonly memberId: string;
      readonly groupInstanceId: string | null;
      readonly generationId: number;
      readonly offsets: readonly { readonly partition: TopicPartition; readonly committedOffset: number }[];
    }
  | {
      /**
       * The coordinator released the response of a write operation (CoordinatorRuntime completes its
       * deferred event); `lastWrittenOffset` was its log end offset when the operation ran.
       */
      readonly kind: 'completed';
      readonly api: Response['api'];
      readonly lastWrittenOffset: number;
    }
  | {
      /** The expiration task tombstoned these partitions' offsets (KIP-211). */
      readonly kind: 'expired';
      readonly partitions: readonly TopicPartition[];
    }
  | {
      readonly kind: 'groupTransition';
      readonly from: ClassicGroupStatus | 'none';
      readonly to: ClassicGroupStatus;
      readonly generationId: number;
    }
  | { readonly kind: 'timer'; readonly actor: string; readonly timer: string }
  | { readonly kind: 'note'; readonly actor: string; readonly text: string };
