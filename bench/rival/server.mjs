// The rival `make bench` measures Roster against: better-auth with its organization plugin,
// on SQLite through better-sqlite3, served by Node's own HTTP server. Configured the way its
// documentation shows (https://www.better-auth.com/docs/installation,
// https://www.better-auth.com/docs/plugins/organization), with only the changes a 10,000-person
// organisation and a load test need; each is explained where it is made.
//
//   node server.mjs seed  FILE.db OUT.json PEOPLE INVITEES   fill an empty database, print nothing
//   node server.mjs serve FILE.db PORT                       serve /api/auth/* until killed
//
// Both read BETTER_AUTH_SECRET and BETTER_AUTH_URL (the base URL the server answers at); the
// seed signs session cookies with the same secret the server checks them with.

import { createHmac, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";

import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { organization } from "better-auth/plugins";

const OWNER_EMAIL = "owner@bench.example";
const PASSWORD = "correct horse battery";
// better-auth's session cookie when the base URL is plain http (https adds `__Secure-`).
const SESSION_COOKIE = "better-auth.session_token";

function open(file) {
  const database = new Database(file);
  // The same SQLite settings Roster uses (backend/src/db/mod.rs), so the engines match.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  const auth = betterAuth({
    database,
    secret: process.env.BETTER_AUTH_SECRET,
    baseURL: process.env.BETTER_AUTH_URL,
    emailAndPassword: { enabled: true },
    // Its rate limiter (on by default in production) would answer 429 to a load generator;
    // Roster throttles only failed sign-ins, which the benchmark never sends.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [
      organization({
        // The defaults (100 members, 100 pending invitations) stop an organisation of
        // 10,000 people; these are the documented options to raise them.
        membershipLimit: 1_000_000,
        invitationLimit: 1_000_000,
        // better-auth leaves delivery to the application. Doing nothing is the cheapest
        // possible mailer, which favours the rival: Roster renders and delivers every
        // invitation email (to its development mailbox) within the measured run.
        sendInvitationEmail: async () => {},
      }),
    ],
  });
  return { database, auth };
}

function sessionCookie(token, secret) {
  // better-call's signed cookie: `token.base64(HMAC-SHA256(secret, token))`, URL-encoded.
  const signature = createHmac("sha256", secret).update(token).digest("base64");
  return `${SESSION_COOKIE}=${encodeURIComponent(`${token}.${signature}`)}`;
}

async function seed(file, out, people, invitees) {
  const { database, auth } = open(file);
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  const ctx = await auth.$context;
  const create = (model, data) => ctx.adapter.create({ model, data });
  // One hash for everyone, as `roster demo` does: hashing 10,000 passwords would take minutes.
  const hash = await ctx.password.hash(PASSWORD);
  const now = new Date();
  const inAWeek = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
  const secret = process.env.BETTER_AUTH_SECRET;
  const person = async (email, name) => {
    const user = await create("user", {
      email,
      name,
      emailVerified: true,
      createdAt: now,
      updatedAt: now,
    });
    await create("account", {
      userId: user.id,
      accountId: user.id,
      providerId: "credential",
      password: hash,
      createdAt: now,
      updatedAt: now,
    });
    return user;
  };
  const session = async (user, activeOrganizationId) => {
    const token = randomBytes(24).toString("base64url");
    await create("session", {
      userId: user.id,
      token,
      expiresAt: inAWeek,
      ipAddress: "127.0.0.1",
      userAgent: "roster-bench",
      activeOrganizationId,
      createdAt: now,
      updatedAt: now,
    });
    return sessionCookie(token, secret);
  };

  // One transaction on the adapter's own connection: tens of thousands of rows in seconds.
  database.exec("BEGIN");
  const owner = await person(OWNER_EMAIL, "Bench Owner");
  const org = await create("organization", {
    name: "Northwind Messaging",
    slug: "northwind",
    createdAt: now,
  });
  await create("member", { organizationId: org.id, userId: owner.id, role: "owner", createdAt: now });
  for (let i = 1; i < people; i++) {
    const user = await person(`person-${i}@northwind.example`, `Person ${i}`);
    // Roughly Roster's demo mix: mostly members, some admins.
    const role = i % 6 === 4 ? "admin" : "member";
    await create("member", { organizationId: org.id, userId: user.id, role, createdAt: now });
  }
  // The invitations accepted under load go to a second organisation, so that the first one's
  // pending invitations stay few: better-auth reads every pending invitation of an
  // organisation on each new invitation, and thousands seeded there would slow its
  // create-invitation figures for a reason of the benchmark's making.
  const invitees_org = await create("organization", {
    name: "Bench Invitees",
    slug: "bench-invitees",
    createdAt: now,
  });
  await create("member", {
    organizationId: invitees_org.id,
    userId: owner.id,
    role: "owner",
    createdAt: now,
  });
  const accept = [];
  for (let i = 0; i < invitees; i++) {
    const email = `invitee-${i}@bench.example`;
    const user = await create("user", {
      email,
      name: `Invitee ${i}`,
      emailVerified: true,
      createdAt: now,
      updatedAt: now,
    });
    const invitation = await create("invitation", {
      organizationId: invitees_org.id,
      email,
      role: "member",
      status: "pending",
      expiresAt: inAWeek,
      inviterId: owner.id,
      createdAt: now,
    });
    accept.push({ cookie: await session(user, null), invitationId: invitation.id });
  }
  const ownerCookie = await session(owner, org.id);
  database.exec("COMMIT");
  writeFileSync(
    out,
    JSON.stringify({
      organizationId: org.id,
      ownerEmail: OWNER_EMAIL,
      password: PASSWORD,
      ownerCookie,
      accept,
    }),
  );
  database.close();
}

function serve(file, port) {
  const { auth } = open(file);
  const handler = toNodeHandler(auth);
  const server = createServer((request, response) => {
    if (request.url === "/health") {
      response.end("ok");
      return;
    }
    handler(request, response);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${port}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

const [mode, ...args] = process.argv.slice(2);
if (!process.env.BETTER_AUTH_SECRET || !process.env.BETTER_AUTH_URL) {
  console.error("BETTER_AUTH_SECRET and BETTER_AUTH_URL must be set");
  process.exit(2);
}
if (mode === "seed" && args.length === 4) {
  await seed(args[0], args[1], Number(args[2]), Number(args[3]));
} else if (mode === "serve" && args.length === 2) {
  serve(args[0], Number(args[1]));
} else {
  console.error("usage: server.mjs seed FILE.db OUT.json PEOPLE INVITEES | serve FILE.db PORT");
  process.exit(2);
}
