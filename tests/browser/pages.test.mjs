// The other pages against the real server: the playbook editor's live lint (the CLI's
// messages), a relay, people, and the empty states. Reports have their own file
// (reports.test.mjs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  Server, axeViolations, binary, booking, browser, screenshot, signIn, watch, writeFile,
} from './harness.mjs';

let server;
let context;

before(async () => {
  server = new Server().init();
  // History for the relay: handoffs accepted and done, one declined.
  for (let i = 1; i <= 4; i++) {
    server.run(['emit', 'booking.created', '--id', `r-${i}`, '--source', 'seed',
                '--data', JSON.stringify({ company: `Report Co ${i}`, host: i % 2 ? 'dana' : 'lee' })]);
  }
  const ids = JSON.parse(server.run(['--json', 'list'])).map((h) => h.id ?? h);
  for (const id of ids.slice(0, 3)) {
    const owner = JSON.parse(server.run(['--json', 'show', String(id)])).owner;
    server.run(['--as', owner, 'accept', String(id)]);
    for (let n = 1; n <= 3; n++) server.run(['--as', owner, 'check', String(id), String(n)]);
    server.run(['--as', owner, 'done', String(id)]);
  }
  const last = ids[3];
  const owner = JSON.parse(server.run(['--json', 'show', String(last)])).owner;
  server.run(['--as', owner, 'decline', String(last), '--reason', 'not mine']);
  await server.start();
  context = await browser();
});

after(async () => {
  await context?.close();
  await server?.stop();
});

test('a playbook with an error shows the linter message, as the CLI prints it', async () => {
  const broken = 'id: broken\ntitle: Broken\nwhen: deal.won\nfrom: sales\nowner: ops\n' +
                 'accept_within: soon\ndone: Something done.\n';
  const file = path.join(server.dir, 'broken.yaml');
  writeFile(file, broken);
  const cli = spawnSync(binary, ['lint', file], { encoding: 'utf8' });
  assert.notEqual(cli.status, 0);
  const cliLine = (cli.stdout + cli.stderr).split('\n').find((l) => l.startsWith(file + ':'));
  assert.ok(cliLine, 'the CLI printed file:line:col: message');
  const expected = cliLine.slice(file.length + 1);   // line:col: message

  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/playbooks/new');
  await page.getByText('No problems found').waitFor();   // the starter playbook is valid
  await page.getByRole('heading', { name: 'Owner of done', exact: true }).waitFor();
  await page.getByLabel('Playbook YAML').fill(broken);
  await page.locator('.lint .errors li', { hasText: expected }).waitFor();
  await page.getByLabel('Playbook YAML').fill(broken.replace('accept_within: soon', 'accept_within: 4h'));
  await page.getByText('No problems found').waitFor();
  await page.getByText('When deal.won happens').waitFor();   // the three moves, parsed
  await page.close();
});

test('an admin saves a playbook; a member sees no Save button', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'ari');
  await page.goto(server.url + '/playbooks/kickoff-prep');
  await page.getByText('No problems found').waitFor();
  const yaml = await page.getByLabel('Playbook YAML').inputValue();
  await page.getByLabel('Playbook YAML').fill(yaml.replace(/^done: .*$/m,
    'done: The host confirmed the room, the materials and the agenda (edited in the board).'));
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/Saved/).waitFor();
  const shown = await page.evaluate(async () => (await (await fetch('/v1/playbooks/kickoff-prep')).json()));
  assert.match(shown.yaml, /edited in the board/);
  assert.equal(shown.version, 2);
  await page.close();

  const member = await context.newPage();
  await signIn(member, server, 'dana');
  await member.goto(server.url + '/playbooks/kickoff-prep');
  await member.getByText('Only an admin can save playbooks.').waitFor();
  assert.equal(await member.getByRole('button', { name: 'Save' }).count(), 0);
  await member.close();
});

test('a relay shows the chain, who holds the baton, and each leg', async () => {
  await server.emit(booking('relay-1', 'Relay Studio', 'dana'));
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  await page.goto(server.url + '/relays/' + encodeURIComponent('Relay Studio'));
  await page.getByText('The baton is with').waitFor();
  assert.match(await page.locator('.now').innerText(), /dana/);
  assert.equal(await page.locator('.legs .leg').count(), 1);
  await screenshot(page, 'relay');
  await page.close();
});

test('people and teams are listed', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  await page.goto(server.url + '/people');
  await page.getByRole('cell', { name: 'Dana Reyes' }).waitFor();
  await page.getByRole('cell', { name: 'lee@example.com' }).waitFor();
  assert.ok(await page.locator('table').nth(1).locator('tbody tr').count() >= 1);
  await page.close();
});

test('the People page shows each person\'s time zone from people.yaml', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  await page.goto(server.url + '/people');
  // lee has a time zone of their own; dana takes the defaults' (examples/people.yaml).
  const row = (name) => page.getByRole('row')
    .filter({ has: page.getByRole('cell', { name, exact: true }) });
  await row('lee').waitFor();
  const zoneColumn = await page.locator('table').first().locator('thead th')
    .evaluateAll((ths) => ths.findIndex((th) => th.textContent.trim() === 'Time zone'));
  assert.ok(zoneColumn >= 0, 'the people table has a Time zone column');
  assert.equal((await row('lee').locator('td').nth(zoneColumn).innerText()).trim(), 'Europe/Berlin');
  assert.equal((await row('dana').locator('td').nth(zoneColumn).innerText()).trim(), 'Europe/London');
  await page.close();
});

test('an unknown path is the board\'s Not found page (a 404), with a way back', async () => {
  const page = await context.newPage();
  const seen = watch(page);
  await signIn(page, server, 'dana');
  const response = await page.goto(server.url + '/nope');
  assert.equal(response.status(), 404);
  assert.match(response.headers()['content-type'], /^text\/html/);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
  assert.equal(await page.title(), 'Not found · Baton');
  assert.deepEqual(await axeViolations(page), []);
  const back = page.getByRole('link', { name: 'Go to the board' });
  assert.equal(await back.getAttribute('href'), '/');
  await back.click();
  await page.waitForURL((u) => u.pathname === '/');
  await page.getByRole('heading', { name: 'Not found' }).waitFor({ state: 'detached' });
  assert.deepEqual(seen, { dialogs: [], errors: [] });
  await page.close();
});

test('the sign-in page puts the focus on the login field', async () => {
  const page = await context.newPage();
  await page.context().clearCookies();
  // Straight to /signin, and by way of a page that needs signing in (/people → /signin?next=).
  for (const start of ['/signin', '/people']) {
    await page.goto(server.url + start);
    await page.waitForURL((u) => u.pathname === '/signin');
    await page.getByLabel('Email or handle').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'login', start);
  }
  // The field takes typing at once.
  await page.keyboard.type('dana');
  assert.equal(await page.getByLabel('Email or handle').inputValue(), 'dana');
  await page.close();
});

test('a link to a card from another site (Slack, email) opens it signed in', async () => {
  const page = await context.newPage();
  await signIn(page, server, 'dana');
  const [first] = JSON.parse(server.run(['--json', 'list']));
  const id = first.id ?? first;
  const shown = JSON.parse(server.run(['--json', 'show', String(id)]));
  const subject = shown.subject || shown.title;
  // A page of another site (as a chat message or a webmail is), with a plain link to the card:
  // a top-level, cross-site GET navigation, which a SameSite=Strict cookie is left off. The
  // board's page needs none; its own requests after it are same-site and carry it.
  const elsewhere = 'http://chat.example/message';
  await page.route(elsewhere, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><title>Chat</title><a href="${server.url}/handoffs/${id}">card</a>`,
  }));
  await page.goto(elsewhere);
  await page.getByRole('link', { name: 'card' }).click();
  await page.waitForURL((u) => u.origin === server.url);
  await page.getByRole('heading', { level: 1, name: subject }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/handoffs/${id}`);
  assert.equal(await page.getByLabel('Email or handle').count(), 0);
  await page.close();
});

// Every page the board has, as an admin sees it, clean for axe-core (WCAG 2.1 A and AA) on a
// desktop and on a phone. The board, a card, the builder, Set up, Sources and Reports have
// their own files; this sweeps the rest and the lists.
test('every other page has no accessibility violations, desktop and phone', async () => {
  await server.emit(booking('axe-relay-1', 'Axe Relay Co', 'dana'));
  const paths = ['/', '/playbooks', '/playbooks/kickoff-prep', '/people',
                 `/relays/${encodeURIComponent('Axe Relay Co')}`, '/nope'];
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await signIn(page, server, 'ari');
    for (const pathname of paths) {
      await page.goto(server.url + pathname);
      await page.locator('main h1').first().waitFor();
      // Loaded: no "Loading …" left (the board's live stream never lets the network idle).
      await page.waitForFunction(() => !/Loading/.test(document.querySelector('main').textContent));
      assert.deepEqual(await axeViolations(page), [], `${pathname} at ${viewport.width} px`);
    }
    await page.close();
    // The sign-in page, signed out.
    const signedOut = await browser({ viewport });
    const signin = await signedOut.newPage();
    await signin.goto(server.url + '/signin');
    await signin.getByLabel('Email or handle').waitFor();
    assert.deepEqual(await axeViolations(signin), [], `/signin at ${viewport.width} px`);
    await signedOut.close();
  }
});
