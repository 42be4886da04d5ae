// Loads the app's wasm only on a page that has an island, and hydrates each island.
//
// A page without islands (the login page among them) loads no wasm at all. The islands router
// (routing.js) calls `window.__hydrateIsland` for islands a later page brings, and the wasm is
// loaded then. `data-hydrated` on <html> says the page's scripts are ready (tests wait for it).
// The walk over nested islands follows leptos 0.8.23's `island_script.js` (MIT).
((root, pkg, jsName, wasmName) => {
	let loading = null;
	// A failed load is tried again the next time an island needs it.
	const load = () => {
		loading ??= import(`${root}/${pkg}/${jsName}.js`)
			.then(async (mod) => {
				await mod.default({ module_or_path: `${root}/${pkg}/${wasmName}.wasm` });
				mod.hydrate();
				return mod;
			})
			.catch((e) => {
				loading = null;
				throw e;
			});
		return loading;
	};
	const childrenCallbacks = [];
	// Once per island element: `$$hydration` is the promise of it, `$$hydrated` says it is done.
	const hydrateIsland = (el, mod) => {
		el.$$hydration ??= (async () => {
			const island = mod[el.dataset.component];
			if (!island) {
				console.warn(`No wasm function for the island ${el.dataset.component}.`);
				return;
			}
			childrenCallbacks.at(-1)?.();
			await island(el);
			el.$$hydrated = true;
		})();
		return el.$$hydration;
	};
	const walk = async (node, mod) => {
		if (node.nodeType !== Node.ELEMENT_NODE) return;
		const tag = node.tagName;
		// One island that fails leaves the others working.
		if (tag === 'LEPTOS-ISLAND') await hydrateIsland(node, mod).catch((e) => console.error(e));
		if (tag === 'LEPTOS-CHILDREN') childrenCallbacks.push(node.$$on_hydrate);
		for (const child of node.children) await walk(child, mod);
		if (tag === 'LEPTOS-CHILDREN') childrenCallbacks.pop();
	};
	// Once the router has taken over, the mark is the router's to set.
	const ready = () => window.__routed || document.documentElement.setAttribute('data-hydrated', 'true');
	window.__hydrateIsland = (el) => load().then((mod) => hydrateIsland(el, mod));
	if (document.querySelector('leptos-island')) {
		const start = () =>
			load()
				.then((mod) => walk(document.body, mod))
				.catch((e) => console.error(e))
				.finally(ready);
		'requestIdleCallback' in window ? requestIdleCallback(start) : start();
	} else {
		ready();
	}
})
