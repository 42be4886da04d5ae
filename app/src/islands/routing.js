// The islands router: after the first load, a link click or a form submission fetches the next
// page's HTML and puts it in place of the current one, so navigation needs no full reload and no
// page code in the browser. Based on leptos 0.8.23's `islands_routing.js` (MIT): the same events
// and requests; the page update is Riegel's own (see `update`).
//
// - Another page replaces the body, as a full load would, and the focus moves to its content.
// - The same page again (a form posted back to it, an island's reload) is merged into the
//   current one (`mergeChildren`): what the user typed stays, and an island the server sends
//   with the same props keeps its state (a TAN prompt, a success notice). One with other props
//   is new.
// - Only the app's own pages are shown in place, and of those not a page that comes with a
//   script of its own (`data-full-load`: the login page's passkeys): a script in fetched HTML
//   does not run, so the browser loads that page itself. Posted back to the page it is on, it
//   is merged as any other, its script already running. When the router shows another page
//   in its place, it tells that script by the event `riegel:leave` on `window`.
// - An answer that is not a page, a failed fetch, and a way out to another site (the server
//   names it in `Riegel-Location`: a fetch cannot follow a redirect to another origin) are left
//   to the browser.
// - `data-hydrated` on <html> says the page's islands are ready (tests wait for it).
let NAVIGATION = 0;

window.addEventListener("click", async (ev) => {
	const req = clickToReq(ev);
	if (req) {
		ev.preventDefault();
		await navigate(req, false);
	}
});

// The page the router shows, without its fragment: a jump within it (the skip link) also fires
// `popstate`, and is the browser's.
let SHOWN = withoutHash(window.location.href);

function withoutHash(href) {
	const url = new URL(href);
	url.hash = "";
	return url.href;
}

window.addEventListener("popstate", async () => {
	if (withoutHash(window.location.href) === SHOWN) return;
	await navigate(new Request(window.location.href), true);
});

window.addEventListener("submit", async (ev) => {
	if (ev.defaultPrevented) {
		return;
	}
	const form = ev.target;
	// A form of an island whose code is still loading waits for it (once: a second click meanwhile
	// is dropped), then is submitted again, to the island, which keeps its data and opens its TAN
	// prompt in place. If the code cannot load, the browser posts the form itself.
	const island = form.closest("leptos-island");
	if (island && !island.$$hydrated) {
		ev.preventDefault();
		if (form.$$waiting) return;
		form.$$waiting = true;
		try {
			await window.__hydrateIsland(island);
		} catch (e) {
			console.error(e);
		}
		form.$$waiting = false;
		if (island.$$hydrated) {
			form.requestSubmit(ev.submitter);
		} else {
			form.submit();
		}
		return;
	}
	const req = submitToReq(form, ev.submitter);
	if (req) {
		ev.preventDefault();
		await navigate(req, false, form);
	}
});

// An island reloads the page it is on through this (after its action succeeded).
window.__reloadPage = () => navigate(new Request(window.location.href), true);

async function navigate(req, replace, form) {
	NAVIGATION += 1;
	const current = NAVIGATION;
	window.__routed = true;
	document.documentElement.removeAttribute("data-hydrated");
	req.headers.append("Islands-Router", "true");
	let resp;
	try {
		resp = await fetch(req);
	} catch (e) {
		console.error(e);
		// Loaded by the browser itself (a form is submitted natively).
		if (form && methodOf(form) === "POST") {
			form.submit();
		} else {
			window.location.assign(req.url);
		}
		return;
	}
	const away = resp.headers.get("Riegel-Location");
	if (away) {
		window.location.assign(away);
		return;
	}
	if (!(resp.headers.get("Content-Type") || "").startsWith("text/html")) {
		window.location.assign(resp.url);
		return;
	}
	const html = await resp.text();
	if (current !== NAVIGATION) {
		return;
	}
	const url = new URL(resp.redirected ? resp.url : req.url);
	const doc = new DOMParser().parseFromString(html, "text/html");
	const samePage = url.pathname === window.location.pathname;
	// Only the app's own pages (they carry these scripts) are shown in place; any other page
	// (the push device's pairing page, say), or one with a script of its own, is loaded by the
	// browser, with its own scripts.
	const ownScript = !samePage && doc.querySelector("[data-full-load]");
	if (url.origin !== window.location.origin || !doc.getElementById("riegel-scripts") || ownScript) {
		window.location.assign(url);
		return;
	}
	if (!samePage) window.dispatchEvent(new Event("riegel:leave"));
	update(doc, samePage);
	if (replace || url.href === window.location.href) {
		window.history.replaceState(undefined, "", url);
	} else {
		window.history.pushState(undefined, "", url);
	}
	SHOWN = withoutHash(url.href);
	if (!samePage) {
		// As after a full load: the top of the new page, and the keyboard and screen readers
		// start at its content.
		window.scrollTo(0, 0);
		document.getElementById("main")?.focus({ preventScroll: true });
	}
	const hydrations = [...document.querySelectorAll("leptos-island")]
		.filter((island) => !island.$$hydration)
		.map((island) => window.__hydrateIsland(island).catch((e) => console.error(e)));
	Promise.all(hydrations).finally(() => {
		if (current === NAVIGATION) document.documentElement.setAttribute("data-hydrated", "true");
	});
}

function update(doc, samePage) {
	document.title = doc.title;
	syncAttributes(document.documentElement, doc.documentElement);
	if (samePage) {
		mergeChildren(document.body, doc.body);
	} else {
		document.body.replaceWith(doc.body);
	}
}

// What identifies a node across two renders of a page: an island by its component and props,
// an element with an `id` by its tag and `id`, any other element by its tag and `name` (so a
// field never takes another field's typed value), a text or comment by its kind.
function signature(node) {
	if (node.nodeType !== Node.ELEMENT_NODE) return `#${node.nodeType}`;
	if (node.tagName === "LEPTOS-ISLAND") return `island ${node.dataset.component} ${node.dataset.props ?? ""}`;
	return node.id ? `${node.tagName}#${node.id}` : `${node.tagName} ${node.getAttribute("name") ?? ""}`;
}

// Merges `next`'s children into `old`'s. The longest common subsequence of their signatures
// is kept and updated; the other old children go, the other new ones come in their places (a
// notice that appeared above a form leaves the form, and what was typed into it, in place).
function mergeChildren(old, next) {
	const olds = [...old.childNodes];
	const nexts = [...next.childNodes];
	const a = olds.map(signature);
	const b = nexts.map(signature);
	// common[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
	const common = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
	for (let i = a.length - 1; i >= 0; i--) {
		for (let j = b.length - 1; j >= 0; j--) {
			common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
		}
	}
	let i = 0;
	for (let j = 0; j < b.length; ) {
		if (i < a.length && a[i] === b[j]) {
			mergeNode(olds[i], nexts[j]);
			i++;
			j++;
		} else if (i < a.length && common[i + 1][j] >= common[i][j + 1]) {
			olds[i].remove();
			i++;
		} else {
			old.insertBefore(nexts[j], olds[i] ?? null);
			j++;
		}
	}
	for (; i < a.length; i++) {
		olds[i].remove();
	}
}

// A kept island keeps its state; any other node takes the new page's.
function mergeNode(o, n) {
	if (o.nodeType === Node.ELEMENT_NODE) {
		if (o.tagName !== "LEPTOS-ISLAND") {
			syncAttributes(o, n);
			mergeChildren(o, n);
		}
	} else if (o.nodeValue !== n.nodeValue) {
		o.nodeValue = n.nodeValue;
	}
}

function syncAttributes(old, next) {
	for (const attr of next.attributes) {
		if (old.getAttribute(attr.name) !== attr.value) old.setAttribute(attr.name, attr.value);
	}
	for (const attr of [...old.attributes]) {
		// Kept: the scripts' mark on the document.
		if (!next.hasAttribute(attr.name) && attr.name !== "data-hydrated") old.removeAttribute(attr.name);
	}
}

function clickToReq(ev) {
	if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.altKey || ev.ctrlKey || ev.shiftKey) return;
	const a = ev.composedPath().find((el) => el instanceof HTMLAnchorElement);
	if (!a || !a.href || a.target || a.hasAttribute("download")) return;
	if ((a.getAttribute("rel") || "").split(/\s+/).includes("external")) return;
	const url = new URL(a.href);
	if (url.origin !== window.location.origin) return;
	// A link within the page (the skip link) is the browser's.
	if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
	return new Request(url);
}

// A form's attributes are read as attributes: `form.method` is the form's field of that name if
// it has one (the MFA page's method switch does).
function methodOf(form) {
	return (form.getAttribute("method") || "get").toUpperCase();
}

function submitToReq(form, submitter) {
	if (!(form instanceof HTMLFormElement)) return;
	const method = methodOf(form);
	if (method !== "GET" && method !== "POST") return;
	if (form.getAttribute("target") || form.getAttribute("enctype") === "multipart/form-data") return;
	const url = new URL(form.getAttribute("action") ?? "", window.location.href);
	// The pressed button's name and value are part of the submission, as in a browser's own.
	const params = new URLSearchParams(new FormData(form, submitter));
	const headers = { Accept: "text/html" };
	if (method === "GET") {
		return new Request(`${url.pathname}?${params}`, { headers });
	}
	return new Request(url.pathname + url.search, { method: "POST", body: params, headers });
}
