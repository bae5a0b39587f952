import { describe, expect, it } from "vitest";
import { asOf, headline, result, service } from "../src/lib/activity";
import type { ActivityEvent } from "../src/lib/bindings/ActivityEvent";
import type { ActivityPage } from "../src/lib/bindings/ActivityPage";

function event(over: Partial<ActivityEvent> = {}): ActivityEvent {
  return {
    eventId: "e-1",
    eventTime: "2026-12-05T10:00:05Z",
    eventSource: "sts.amazonaws.com",
    eventName: "GetCallerIdentity",
    eventType: "AwsApiCall",
    awsRegion: "us-east-1",
    sourceIpAddress: "192.0.2.1",
    userAgent: null,
    readOnly: true,
    errorCode: null,
    arn: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_ab12/alice",
    sessionIssuedAt: "2026-12-05T10:00:00Z",
    requestParameters: null,
    afterWindow: false,
    ...over,
  };
}

function page(items: ActivityEvent[], over: Partial<ActivityPage> = {}): ActivityPage {
  return {
    items,
    nextCursor: null,
    asOf: "2026-12-05T11:00:00Z",
    deliveryLagSecs: 900,
    roleSession: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_*/alice",
    windowStart: "2026-12-05T10:00:00Z",
    windowEnd: "2026-12-05T10:30:00Z",
    watchedUntil: "2026-12-05T11:30:00Z",
    afterWindowCount: items.filter((e) => e.afterWindow).length,
    ...over,
  };
}

describe("activity wording", () => {
  it("names the service and the result", () => {
    expect(service(event({ eventSource: "signin.amazonaws.com" }))).toBe("signin");
    expect(result(event())).toBe("ok");
    expect(result(event({ errorCode: "AccessDenied" }))).toBe("AccessDenied");
  });

  it("says how late the trail may be", () => {
    expect(asOf(page([]))).toContain("up to 15 min late");
    expect(asOf(page([], { deliveryLagSecs: 30 }))).toContain("up to 30 s late");
    expect(asOf(page([], { deliveryLagSecs: 0 }))).not.toContain("late");
  });

  it("counts events and those after the window, and tells never-active apart from empty", () => {
    expect(headline(page([], { windowStart: null }))).toContain("never gave access");
    expect(headline(page([]))).toBe("No events in the trail yet.");
    expect(headline(page([event()]))).toBe("1 event");
    expect(headline(page([event(), event({ eventId: "e-2", afterWindow: true })]))).toBe(
      "2 events, 1 after the window ended",
    );
  });
});
