// Labels in English and French, and numbers formatted for the chosen language.
const LABELS = {
  en: {
    skip: 'Skip to content', language: 'Language', signout: 'Sign out',
    'signin.title': 'Sign in with an API key', 'signin.key': 'API key', 'signin.submit': 'Sign in',
    'signin.hint': 'The key stays in this browser tab only (session storage).',
    'signin.bad': 'This key is unknown or revoked.',
    'who': '{territory} · {role}', 'role.coordinator': 'coordinator', 'role.viewer': 'viewer',
    'role.member': 'member', 'who.member': '{territory} · {role} · site {site}', 'member.title': 'My haves and wants', 'member.note': 'You see your own site, the exchanges it takes part in and the territory’s totals; other members’ figures stay private.', 'member.have': 'has', 'member.want': 'wants', 'member.quantity': 'Quantity', 'member.price': 'Price', 'member.disposal': 'Disposal cost', 'member.add': 'Add', 'member.new_commodity': 'Commodity', 'member.save': 'Save as a new version', 'member.saved': 'Saved as version {version}.', 'member.nothing': 'Change a figure first.', 'member.none': 'Your site is not in this inventory.',
    'inventory.title': 'Inventory', 'inventory.choose': 'Inventory', 'inventory.version': 'Version',
    'inventory.none': 'No inventory yet: upload one (Inventory files).',
    'inventory.info': '{sites} sites · {links} explicit links · stored {date}',
    'runs.title': 'Runs', 'runs.target': 'Optimise', 'runs.objective': 'Objective',
    'runs.time_limit': 'Time limit (s)', 'runs.start': 'Optimise', 'runs.show': 'Show',
    'runs.cancel': 'Cancel', 'runs.none': 'No run yet.', 'runs.version': '{name} v{version}',
    'runs.scenario': 'scenario {name}', 'runs.incumbent': 'incumbent', 'runs.bound': 'bound',
    'runs.gap': 'gap', 'runs.elapsed': 'elapsed', 'runs.reason': 'Reason',
    'state.queued': 'queued', 'state.running': 'running', 'state.finished': 'finished',
    'state.failed': 'failed', 'state.cancelled': 'cancelled',
    'objective.valorisation': 'Valorisation (€/yr)', 'objective.co2': 'CO2 avoided', 'objective.cost': 'Cost',
    'tab.map': 'Map', 'tab.sankey': 'Sankey', 'tab.compare': 'Comparison', 'tab.scenarios': 'Scenarios',
    'tab.pathway': 'Pathway', 'pathway.note': 'What to build when: ● built in that period, ━ in service. A click on a year draws that period on the map.',
    'pathway.none': 'This run is one year. Optimise an inventory that declares periods to see its pathway.',
    'pathway.scenario': 'Scenario', 'pathway.year': 'Period', 'pathway.timeline': 'What is built when',
    'pathway.item': 'Link or converter', 'pathway.all': 'all scenarios', 'pathway.noregret': 'no regret',
    'pathway.hedge': 'hedge only', 'pathway.periods': 'Periods ({scenario})', 'pathway.scenarios': 'Scenarios',
    'pathway.value': 'Value (per yr)', 'pathway.own': 'Own optimum', 'pathway.regret': 'Regret',
    'pathway.probability': 'Probability', 'pathway.invested': 'Invested',
    'pathway.measures': 'Expected value of perfect information {evpi} · value of the stochastic solution {vss}',
    'pathway.head': 'Expected value {value}, net present value {npv}', 'map.period': '{scenario}, {year}',
    'legend.noregret': 'no-regret link (built now in every scenario)', 'total.npv_eur': 'Net present value',
    'total.investment_eur': 'Investment',
    'tab.upload': 'Inventory files', 'tab.pareto': 'Pareto', 'tab.summary': 'Summary',
    'tab.sweeps': 'Sweeps', 'sweep.note': 'Many solves of this version: Monte Carlo draws of the uncertainties the inventory declares, and/or a grid of carbon prices. The robust toile tells how often each exchange is built.',
    'sweep.draws': 'Draws', 'sweep.seed': 'Seed', 'sweep.prices': 'Carbon prices (EUR/t, optional)',
    'sweep.start': 'Start the sweep', 'sweep.none': 'No sweep of this inventory yet.',
    'sweep.progress': '{done} of {total} draws done ({failed} failed)', 'sweep.show': 'Show',
    'sweep.title': 'Robust toile of {total} draws', 'sweep.summary': 'Valorisation P10 / P50 / P90: {p10} / {p50} / {p90} per year',
    'sweep.map': 'Draw on the map by robustness', 'sweep.share': 'Built in', 'sweep.p50': 'Flow P50',
    'sweep.driver': 'Driven by', 'sweep.label': 'Sweep of v{version}: {total} draws',
    'map.candidates': 'Candidate links', 'map.diff': 'Comparison on the map', 'map.jump': 'Open a site',
    'map.pick': 'Open a site…', 'map.norun': 'No finished run to show yet.',
    'map.title': '{label} — {value}, {co2} avoided',
    'legend.sectors': 'Sectors:', 'legend.links': 'Exchanges (width = quantity):', 'legend.hub': 'hub',
    'legend.extent': 'dashed: extent of the sites', 'legend.candidate': 'candidate link',
    'legend.appears': 'appears', 'legend.disappears': 'disappears', 'legend.changes': 'changes',
    'site.sector': 'Sector', 'site.haves': 'Has (supplies)', 'site.wants': 'Wants (demands)',
    'site.sends': 'Sends', 'site.receives': 'Receives', 'site.gain': 'Gain',
    'site.co2': 'CO2 avoided', 'site.none': 'nothing', 'site.close': 'Close', 'site.hub': 'hub',
    'site.approximate': 'Position approximate: the plant may be up to {km} km away',
    'sankey.group': 'Group sites', 'sankey.auto': 'automatically', 'sankey.site': 'by site',
    'sankey.sector': 'by sector', 'sankey.zone': 'by zone (canton)',
    'sankey.note': 'Widths: yearly value of each exchange (€/yr, absolute); grouped {grouping}.',
    'sankey.by.site': 'by site', 'sankey.by.sector': 'by sector', 'sankey.by.zone': 'by zone (canton of Hauts-de-France)',
    'compare.title': 'Compare finished runs', 'compare.pick': 'Pick two runs or more (the first is the reference)',
    'compare.go': 'Compare', 'compare.totals': 'Totals', 'compare.exchanges': 'Exchanges that differ',
    'compare.none': 'The runs exchange the same flows.', 'compare.need': 'Pick at least two finished runs.',
    'compare.from': 'From', 'compare.to': 'To', 'compare.commodity': 'Commodity', 'compare.change': 'Change',
    'compare.show': 'Show on the map',
    'change.appears': 'appears', 'change.disappears': 'disappears', 'change.changes': 'changes', 'change.same': 'same',
    'scenario.title': 'New scenario', 'scenario.name': 'Name', 'scenario.quantity': 'Change a quantity',
    'scenario.new_quantity': 'New quantity', 'scenario.remove': 'Remove a site', 'scenario.carbon': 'Carbon price',
    'scenario.create': 'Create the scenario', 'scenario.list': 'Scenarios of this inventory',
    'scenario.nothing': '(no change)', 'scenario.created': 'Scenario {name} created.',
    'scenario.empty': 'Change at least one thing.', 'scenario.run': 'Optimise',
    'scenario.has': 'has', 'scenario.wants': 'wants',
    'scenario.link': 'Pin or forbid a link', 'scenario.pin': 'Pin (must be built)', 'scenario.forbid': 'Forbid',
    'scenario.link_hint': 'Or click a candidate link on the map (with “Candidate links” ticked).',
    'scenario.pinned': 'must be built', 'scenario.forbidden': 'forbidden', 'scenario.drop': 'Remove',
    'scenario.built': 'built in this optimum', 'scenario.picked': 'Link chosen on the map: {link}. Pin or forbid it in the Scenarios tab.',
    'upload.title': 'Upload a filled-in spreadsheet', 'upload.template': 'Download the spreadsheet template',
    'upload.drop': 'Drop the workbook here or choose it', 'upload.as': 'Store it as',
    'upload.new': 'a new inventory', 'upload.version': 'the next version of the selected inventory',
    'upload.send': 'Upload', 'upload.ok': 'Stored: {name} version {version}.',
    'upload.bad': '{count} problem(s) in the workbook; nothing was stored.',
    'upload.sheet': 'Sheet', 'upload.row': 'Row', 'upload.field': 'Field', 'upload.message': 'Problem',
    'upload.choose': 'Choose a workbook first.', 'upload.versions': 'Stored versions',
    'upload.download': 'Download', 'upload.format': 'Format', 'upload.sites': 'Sites', 'upload.change': 'Change',
    'upload.date': 'Stored',
    'pareto.note': 'Each point is a finished run of this version; the line joins the runs no other beats on both valorisation and CO2. Click a point to see its toile.',
    'pareto.ends': 'Optimise both ends (valorisation, CO2)', 'pareto.x': 'CO2 avoided (t/yr)',
    'pareto.y': 'Valorisation (€/yr)', 'pareto.front': 'front', 'pareto.runs': 'runs',
    'pareto.service': 'ε-constraint front (service)', 'pareto.points': 'Points',
    'pareto.compute': 'Compute the front (service)', 'pareto.end.valorisation': 'best valorisation',
    'pareto.end.co2': 'most CO2 avoided', 'pareto.epsilon': 'CO2 avoided ≥ {floor}',
    'pareto.computing': 'The service computes the front: {done} of {total} point(s) finished.',
    'pareto.done': 'Front computed by the service: {total} point(s).',
    'summary.print': 'Print', 'summary.title': 'Toile of {territory}', 'summary.run': 'Run',
    'summary.status': 'Status', 'summary.totals': 'Totals', 'summary.top': 'Main exchanges',
    'summary.gains': 'Sites gaining most', 'summary.none': 'Choose a finished run.',
    'total.valorisation_eur_per_yr': 'Valorisation', 'total.delivery_value_eur_per_yr': 'Deliveries',
    'total.disposal_avoided_eur_per_yr': 'Disposal avoided, net of handling',
    'total.carbon_value_eur_per_yr': 'Carbon value', 'total.transport_cost_eur_per_yr': 'Transport',
    'total.conversion_cost_eur_per_yr': 'Conversion', 'total.fixed_cost_eur_per_yr': 'Links and plants',
    'total.co2_avoided_t_per_yr': 'CO2 avoided', 'total.carbon_price_eur_per_t': 'Carbon price',
    'per_year': '/yr', 'error.network': 'The service did not answer: {detail}',
  },
  fr: {
    skip: 'Aller au contenu', language: 'Langue', signout: 'Se déconnecter',
    'signin.title': 'Connexion par clé d’API', 'signin.key': 'Clé d’API', 'signin.submit': 'Se connecter',
    'signin.hint': 'La clé reste dans cet onglet du navigateur (stockage de session).',
    'signin.bad': 'Cette clé est inconnue ou révoquée.',
    'who': '{territory} · {role}', 'role.coordinator': 'coordinateur', 'role.viewer': 'lecteur',
    'role.member': 'membre', 'who.member': '{territory} · {role} · site {site}', 'member.title': 'Mes ressources et besoins', 'member.note': 'Vous voyez votre site, les échanges auxquels il prend part et les totaux du territoire ; les chiffres des autres membres restent confidentiels.', 'member.have': 'dispose de', 'member.want': 'cherche', 'member.quantity': 'Quantité', 'member.price': 'Prix', 'member.disposal': 'Coût d’élimination', 'member.add': 'Ajouter', 'member.new_commodity': 'Flux', 'member.save': 'Enregistrer une nouvelle version', 'member.saved': 'Enregistré comme version {version}.', 'member.nothing': 'Modifiez d’abord un chiffre.', 'member.none': 'Votre site ne figure pas dans cet inventaire.',
    'inventory.title': 'Inventaire', 'inventory.choose': 'Inventaire', 'inventory.version': 'Version',
    'inventory.none': 'Aucun inventaire : déposez-en un (Fichiers d’inventaire).',
    'inventory.info': '{sites} sites · {links} liens explicites · enregistré le {date}',
    'runs.title': 'Optimisations', 'runs.target': 'Optimiser', 'runs.objective': 'Objectif',
    'runs.time_limit': 'Temps limite (s)', 'runs.start': 'Optimiser', 'runs.show': 'Afficher',
    'runs.cancel': 'Annuler', 'runs.none': 'Aucune optimisation.', 'runs.version': '{name} v{version}',
    'runs.scenario': 'scénario {name}', 'runs.incumbent': 'meilleure solution', 'runs.bound': 'borne',
    'runs.gap': 'écart', 'runs.elapsed': 'durée', 'runs.reason': 'Raison',
    'state.queued': 'en attente', 'state.running': 'en cours', 'state.finished': 'terminée',
    'state.failed': 'échec', 'state.cancelled': 'annulée',
    'objective.valorisation': 'Valorisation (€/an)', 'objective.co2': 'CO2 évité', 'objective.cost': 'Coût',
    'tab.map': 'Carte', 'tab.sankey': 'Sankey', 'tab.compare': 'Comparaison', 'tab.scenarios': 'Scénarios',
    'tab.pathway': 'Trajectoire', 'pathway.note': 'Ce qui est construit, et quand : ● construit dans la période, ━ en service. Un clic sur une année dessine cette période sur la carte.',
    'pathway.none': 'Cette optimisation porte sur une année. Optimisez un inventaire qui déclare des périodes pour voir sa trajectoire.',
    'pathway.scenario': 'Scénario', 'pathway.year': 'Période', 'pathway.timeline': 'Ce qui est construit, et quand',
    'pathway.item': 'Lien ou convertisseur', 'pathway.all': 'tous les scénarios', 'pathway.noregret': 'sans regret',
    'pathway.hedge': 'couverture seule', 'pathway.periods': 'Périodes ({scenario})', 'pathway.scenarios': 'Scénarios',
    'pathway.value': 'Valeur (par an)', 'pathway.own': 'Optimum propre', 'pathway.regret': 'Regret',
    'pathway.probability': 'Probabilité', 'pathway.invested': 'Investi',
    'pathway.measures': 'Valeur espérée de l’information parfaite {evpi} · valeur de la solution stochastique {vss}',
    'pathway.head': 'Valeur espérée {value}, valeur actuelle nette {npv}', 'map.period': '{scenario}, {year}',
    'legend.noregret': 'lien sans regret (construit dès maintenant dans chaque scénario)', 'total.npv_eur': 'Valeur actuelle nette',
    'total.investment_eur': 'Investissement',
    'tab.upload': 'Fichiers d’inventaire', 'tab.pareto': 'Pareto', 'tab.summary': 'Synthèse',
    'tab.sweeps': 'Balayages', 'sweep.note': 'De nombreuses résolutions de cette version : tirages Monte-Carlo des incertitudes déclarées par l’inventaire et/ou une grille de prix du carbone. La toile robuste dit combien de fois chaque échange est construit.',
    'sweep.draws': 'Tirages', 'sweep.seed': 'Graine', 'sweep.prices': 'Prix du carbone (EUR/t, facultatif)',
    'sweep.start': 'Lancer le balayage', 'sweep.none': 'Pas encore de balayage de cet inventaire.',
    'sweep.progress': '{done} tirages sur {total} faits ({failed} en échec)', 'sweep.show': 'Afficher',
    'sweep.title': 'Toile robuste de {total} tirages', 'sweep.summary': 'Valorisation P10 / P50 / P90 : {p10} / {p50} / {p90} par an',
    'sweep.map': 'Tracer sur la carte selon la robustesse', 'sweep.share': 'Construit dans', 'sweep.p50': 'Flux P50',
    'sweep.driver': 'Piloté par', 'sweep.label': 'Balayage de v{version} : {total} tirages',
    'map.candidates': 'Liens candidats', 'map.diff': 'Comparaison sur la carte', 'map.jump': 'Ouvrir un site',
    'map.pick': 'Ouvrir un site…', 'map.norun': 'Aucune optimisation terminée à afficher.',
    'map.title': '{label} — {value}, {co2} évitées',
    'legend.sectors': 'Secteurs :', 'legend.links': 'Échanges (épaisseur = quantité) :', 'legend.hub': 'hub',
    'legend.extent': 'tirets : emprise des sites', 'legend.candidate': 'lien candidat',
    'legend.appears': 'apparaît', 'legend.disappears': 'disparaît', 'legend.changes': 'change',
    'site.sector': 'Secteur', 'site.haves': 'Dispose de (gisements)', 'site.wants': 'Recherche (besoins)',
    'site.sends': 'Envoie', 'site.receives': 'Reçoit', 'site.gain': 'Gain',
    'site.co2': 'CO2 évité', 'site.none': 'rien', 'site.close': 'Fermer', 'site.hub': 'hub',
    'site.approximate': 'Position approchée : le site peut être jusqu’à {km} km plus loin',
    'sankey.group': 'Regrouper les sites', 'sankey.auto': 'automatiquement', 'sankey.site': 'par site',
    'sankey.sector': 'par secteur', 'sankey.zone': 'par zone (canton)',
    'sankey.note': 'Épaisseurs : valeur annuelle de chaque échange (€/an, en valeur absolue) ; regroupement {grouping}.',
    'sankey.by.site': 'par site', 'sankey.by.sector': 'par secteur', 'sankey.by.zone': 'par zone (canton des Hauts-de-France)',
    'compare.title': 'Comparer des optimisations terminées', 'compare.pick': 'Choisissez au moins deux optimisations (la première sert de référence)',
    'compare.go': 'Comparer', 'compare.totals': 'Totaux', 'compare.exchanges': 'Échanges qui diffèrent',
    'compare.none': 'Les optimisations font les mêmes échanges.', 'compare.need': 'Choisissez au moins deux optimisations terminées.',
    'compare.from': 'De', 'compare.to': 'Vers', 'compare.commodity': 'Flux', 'compare.change': 'Changement',
    'compare.show': 'Voir sur la carte',
    'change.appears': 'apparaît', 'change.disappears': 'disparaît', 'change.changes': 'change', 'change.same': 'identique',
    'scenario.title': 'Nouveau scénario', 'scenario.name': 'Nom', 'scenario.quantity': 'Modifier une quantité',
    'scenario.new_quantity': 'Nouvelle quantité', 'scenario.remove': 'Retirer un site', 'scenario.carbon': 'Prix du carbone',
    'scenario.create': 'Créer le scénario', 'scenario.list': 'Scénarios de cet inventaire',
    'scenario.nothing': '(aucun changement)', 'scenario.created': 'Scénario {name} créé.',
    'scenario.empty': 'Modifiez au moins une chose.', 'scenario.run': 'Optimiser',
    'scenario.has': 'dispose de', 'scenario.wants': 'recherche',
    'scenario.link': 'Imposer ou interdire un lien', 'scenario.pin': 'Imposer (à construire)', 'scenario.forbid': 'Interdire',
    'scenario.link_hint': 'Ou cliquez sur un lien candidat de la carte (« Liens candidats » cochés).',
    'scenario.pinned': 'à construire', 'scenario.forbidden': 'interdit', 'scenario.drop': 'Retirer',
    'scenario.built': 'construit dans cet optimum', 'scenario.picked': 'Lien choisi sur la carte : {link}. Imposez-le ou interdisez-le dans l’onglet Scénarios.',
    'upload.title': 'Déposer un tableur rempli', 'upload.template': 'Télécharger le modèle de tableur',
    'upload.drop': 'Déposez le classeur ici ou choisissez-le', 'upload.as': 'L’enregistrer comme',
    'upload.new': 'un nouvel inventaire', 'upload.version': 'la version suivante de l’inventaire choisi',
    'upload.send': 'Déposer', 'upload.ok': 'Enregistré : {name} version {version}.',
    'upload.bad': '{count} problème(s) dans le classeur ; rien n’a été enregistré.',
    'upload.sheet': 'Feuille', 'upload.row': 'Ligne', 'upload.field': 'Champ', 'upload.message': 'Problème',
    'upload.choose': 'Choisissez d’abord un classeur.', 'upload.versions': 'Versions enregistrées',
    'upload.download': 'Télécharger', 'upload.format': 'Format', 'upload.sites': 'Sites', 'upload.change': 'Modification',
    'upload.date': 'Enregistrée',
    'pareto.note': 'Chaque point est une optimisation terminée de cette version ; la ligne relie celles qu’aucune autre ne bat à la fois en valorisation et en CO2. Cliquez sur un point pour voir sa toile.',
    'pareto.ends': 'Optimiser les deux extrémités (valorisation, CO2)', 'pareto.x': 'CO2 évité (t/an)',
    'pareto.y': 'Valorisation (€/an)', 'pareto.front': 'front', 'pareto.runs': 'optimisations',
    'pareto.service': 'front ε-contrainte (service)', 'pareto.points': 'Points',
    'pareto.compute': 'Calculer le front (service)', 'pareto.end.valorisation': 'meilleure valorisation',
    'pareto.end.co2': 'le plus de CO2 évité', 'pareto.epsilon': 'CO2 évité ≥ {floor}',
    'pareto.computing': 'Le service calcule le front : {done} point(s) terminé(s) sur {total}.',
    'pareto.done': 'Front calculé par le service : {total} point(s).',
    'summary.print': 'Imprimer', 'summary.title': 'Toile de {territory}', 'summary.run': 'Optimisation',
    'summary.status': 'Statut', 'summary.totals': 'Totaux', 'summary.top': 'Principaux échanges',
    'summary.gains': 'Sites qui gagnent le plus', 'summary.none': 'Choisissez une optimisation terminée.',
    'total.valorisation_eur_per_yr': 'Valorisation', 'total.delivery_value_eur_per_yr': 'Livraisons',
    'total.disposal_avoided_eur_per_yr': 'Élimination évitée, nette de la préparation',
    'total.carbon_value_eur_per_yr': 'Valeur carbone', 'total.transport_cost_eur_per_yr': 'Transport',
    'total.conversion_cost_eur_per_yr': 'Conversion', 'total.fixed_cost_eur_per_yr': 'Liens et installations',
    'total.co2_avoided_t_per_yr': 'CO2 évité', 'total.carbon_price_eur_per_t': 'Prix du carbone',
    'per_year': '/an', 'error.network': 'Le service n’a pas répondu : {detail}',
  },
};

// The row names of a comparison's totals, as the API gives them (in English).
const TOTALS_FR = {
  Status: 'Statut', 'Valorisation (EUR/yr)': 'Valorisation (€/an)', 'CO2 avoided (t/yr)': 'CO2 évité (t/an)',
  'Deliveries (EUR/yr)': 'Livraisons (€/an)',
  'Disposal avoided, net of handling (EUR/yr)': 'Élimination évitée, nette de la préparation (€/an)',
  'Carbon value (EUR/yr)': 'Valeur carbone (€/an)', 'Transport cost (EUR/yr)': 'Transport (€/an)',
  'Conversion cost (EUR/yr)': 'Conversion (€/an)', 'Links and plants, annualised (EUR/yr)': 'Liens et installations, annualisés (€/an)',
  'Carbon price (EUR/t)': 'Prix du carbone (€/t)', 'New links in use': 'Nouveaux liens utilisés',
  'Investment, new links and plants (EUR)': 'Investissement, nouveaux liens et installations (€)',
};

/** A comparison row name in the current language (unknown names stay as the API gives them). */
export function totalName(name) { return lang === 'fr' ? TOTALS_FR[name] ?? name : name; }

let lang = 'en';

export function setLanguage(code) {
  lang = LABELS[code] ? code : 'en';
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

export function language() { return lang; }

/** The label `key` in the current language, with `{name}` filled from `values`. */
export function t(key, values = {}) {
  const text = LABELS[lang][key] ?? LABELS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

const SCALES = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

/** A plain number in the current language (French: comma decimals, narrow-space thousands). */
export function num(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: digits }).format(value);
}

/** A figure with an SI prefix on its unit: 508233150 EUR → "508.23 M€" / "508,23 M€". */
export function scaled(value, unit, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  for (const [size, prefix] of SCALES) {
    if (Math.abs(value) >= size) return `${num(value / size, digits)}\u00a0${prefix}${unit}`;
  }
  return `${num(value, digits)}\u00a0${unit}`;
}

/** Euros per year: "508.23 M€/yr" or "508,23 M€/an". */
export function euros(value) { return value === null || value === undefined ? '—' : scaled(value, '€') + t('per_year'); }

/** Tonnes of CO2 per year: "3.55 Mt/yr" or "3,55 Mt/an". */
export function tonnes(value) { return value === null || value === undefined ? '—' : scaled(value, 't') + t('per_year'); }

/** A quantity in a commodity's unit per year ("MWh/yr" from the API becomes "MWh/an" in French). */
export function quantity(value, unit) {
  const base = String(unit || '').replace(/\/yr$/, '');
  if (!value) return `0\u00a0${base}${t('per_year')}`;
  const prefixed = base.startsWith('MWh') ? [value * 1e6, 'Wh'] : base === 't' ? [value, 't'] : null;
  if (prefixed) return scaled(prefixed[0], prefixed[1]) + t('per_year');
  return `${num(value)}\u00a0${base}${t('per_year')}`;
}

export function percent(value, digits = 2) {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { style: 'percent', maximumFractionDigits: digits }).format(value);
}

export function date(text) {
  return new Date(text).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
