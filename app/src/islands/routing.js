// The islands router: after the first load, a link click or a form submission fetches the next
// page's HTML and puts it in place of the current one, so navigation needs no full reload and no
// page code in the browser. Based on leptos 0.8.23's `islands_routing.js` (MIT): the same events
// and requests; the page update is Riegel's own (see `update`).
//
// - Another page replaces the body, as a full load would.
// - The same page again (a form posted back to it, an island's reload) is merged into the
//   current one, node by node: what the user typed stays, and an island the server sends with
//   the same props keeps its state (a TAN prompt, a success notice). One with other props is new.
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

window.addEventListener("popstate", async () => {
	await navigate(new Request(window.location.href), true);
});

window.addEventListener("submit", async (ev) => {
	if (ev.defaultPrevented) {
		return;
	}
	const form = ev.target;
	// A form of an island whose code is still loading waits for it, then is submitted again,
	// to the island (which keeps its data and opens its TAN prompt in place).
	const island = form.closest("leptos-island");
	if (island && !island.$$hydrated) {
		ev.preventDefault();
		await window.__hydrateIsland(island);
		form.requestSubmit(ev.submitter);
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
	const samePage = url.pathname === window.location.pathname;
	update(new DOMParser().parseFromString(html, "text/html"), samePage);
	if (replace) {
		window.history.replaceState(undefined, "", url);
	} else {
		window.history.pushState(undefined, "", url);
	}
	if (!samePage) {
		window.scrollTo(0, 0);
	}
	const hydrations = [...document.querySelectorAll("leptos-island")]
		.filter((island) => !island.$$hydration)
		.map((island) => window.__hydrateIsland(island));
	Promise.all(hydrations).finally(() => document.documentElement.setAttribute("data-hydrated", "true"));
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

// Whether `a` may be kept and updated to look like `b`: the same kind of node, and for an
// element the same tag, `id` and `name` (so a field never takes another field's typed value);
// an island also needs the same component and props.
function sameNode(a, b) {
	if (a.nodeType !== b.nodeType) return false;
	if (a.nodeType !== Node.ELEMENT_NODE) return true;
	if (a.tagName !== b.tagName || a.id !== b.id || a.getAttribute("name") !== b.getAttribute("name")) return false;
	return a.tagName !== "LEPTOS-ISLAND" || (a.dataset.component === b.dataset.component && a.dataset.props === b.dataset.props);
}

function mergeChildren(old, next) {
	const olds = [...old.childNodes];
	const nexts = [...next.childNodes];
	nexts.forEach((n, i) => {
		const o = olds[i];
		if (!o) {
			old.appendChild(n);
		} else if (!sameNode(o, n)) {
			o.replaceWith(n);
		} else if (o.nodeType === Node.ELEMENT_NODE) {
			if (o.tagName !== "LEPTOS-ISLAND") {
				syncAttributes(o, n);
				mergeChildren(o, n);
			}
		} else if (o.nodeValue !== n.nodeValue) {
			o.nodeValue = n.nodeValue;
		}
	});
	for (const o of olds.slice(nexts.length)) {
		o.remove();
	}
}

function syncAttributes(old, next) {
	for (const attr of next.attributes) {
		if (old.getAttribute(attr.name) !== attr.value) old.setAttribute(attr.name, attr.value);
	}
	for (const attr of [...old.attributes]) {
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
