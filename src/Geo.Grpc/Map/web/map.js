// The map page: the mission's own layers from /feeds/layers, drawn with Leaflet on a plain
// background (no tiles: the page must work with no internet). Every call carries the user's
// token, so the page shows what that token's role may read, and a refusal shows as a banner.
// Who the token belongs to and how many observations are in view come from the gRPC API itself,
// through gRPC-Web (grpc-web.js): Access/WhoAmI and Observations/Count.
(function () {
  'use strict';

  const TOKEN_KEY = 'geoawareness.token';
  const DAY_MS = 24 * 60 * 60 * 1000;

  const TEAM_COLOURS = {
    no_cla: '#d7301f',
    below_minimum: '#fc8d59',
    no_female_cla: '#8856a7',
    complete: '#1a9850',
  };
  const TEAM_WORDS = {
    no_cla: 'no CLA',
    below_minimum: 'one CLA (below two)',
    no_female_cla: 'no female CLA',
    complete: 'staffed, with a woman',
  };
  const REACHED = '#2c7fb8';
  const OUT_OF_REACH = '#e31a1c';
  const GAP = '#c51b7d';
  // Classes 1..10 of the heat map (YlOrRd): the first n are used for n classes.
  const HEAT = ['#ffffb2', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#a50026', '#800026', '#4d0019'];
  const HOT_SPOTS = { 3: '#b2182b', 2: '#ef8a62', 1: '#fddbc7', '-1': '#d1e5f0', '-2': '#67a9cf', '-3': '#2166ac' };

  // geoawareness.v1.Category and VerificationStatus: the proto3 JSON names, numbers and words.
  const CATEGORIES = [
    ['CATEGORY_THREAT_OF_PHYSICAL_VIOLENCE', 1, 'threat of physical violence'],
    ['CATEGORY_ARMED_GROUP_MOVEMENT', 2, 'armed group movement'],
    ['CATEGORY_DISPLACEMENT', 3, 'displacement'],
    ['CATEGORY_EARLY_WARNING_ALERT', 4, 'early warning alert'],
    ['CATEGORY_COMMUNITY_ENGAGEMENT', 5, 'community engagement'],
    ['CATEGORY_INFORMATION_HARM', 6, 'information harm'],
    ['CATEGORY_SECURITY_INCIDENT_AGAINST_CLA', 7, 'security incident against a CLA'],
    ['CATEGORY_OTHER', 8, 'other'],
  ];
  // Threats by default: the threat and alert categories (Geo.Core's ObservationTally.ThreatCategories),
  // not community engagement; every status but discredited. The page sends its choice every time,
  // so what it shows never depends on the service's own defaults.
  const DEFAULT_CATEGORIES = [1, 2, 3, 4];
  const VERIFICATIONS = [
    ['VERIFICATION_STATUS_REPORTED', 1, 'reported'],
    ['VERIFICATION_STATUS_VERIFIED', 2, 'verified'],
    ['VERIFICATION_STATUS_DISCREDITED', 3, 'discredited'],
  ];
  const DEFAULT_VERIFICATION = [1, 2];

  // What the test (and anyone curious) reads: features drawn per layer, and how the last load went.
  const state = {
    ready: false,
    loading: false,
    loads: 0,
    counts: { bases: 0, communities: 0, heat: 0, hotSpots: 0, groupGaps: 0, facilities: 0, presence: 0, qips: 0, observations: 0, isochrones: 0 },
    error: null,
    loadMs: null,
    area: null,
  };
  window.geoMap = state;

  // A maximum zoom of its own: the observation clusters need one, and the base map may bring no tiles.
  const map = L.map('map', { zoomSnap: 0.25, preferCanvas: false, attributionControl: false, maxZoom: 18 }).setView([0, 20], 4);
  // For a test to read the view as Leaflet has it (window.geoMap must stay plain data).
  window.geoMapLeaflet = map;
  const $ = (id) => document.getElementById(id);

  // The mission's layers, bottom to top: each has a pane (its height), a box in the controls,
  // and a group its features are drawn into. The optional ones also say how they are fetched
  // (a /feeds/layers layer, for the roles that may read it) and drawn: one more such layer (the
  // isochrones of /feeds/layers/isochrones, say) is one more entry with its feed, parameters and draw.
  // The base map's pane lies under them all.
  const LAYERS = [
    { id: 'isochrones', label: 'reach', pane: 'isochrones', z: 340, feed: 'isochrones', draw: drawIsochrones, parameters: reachParameters },
    { id: 'surface', label: 'surface', pane: 'surface', z: 350 },
    { id: 'groupGaps', label: 'gaps', pane: 'gaps', z: 360 },
    { id: 'presence', label: 'presence', pane: 'presence', z: 380, feed: 'presence', draw: drawPresence },
    { id: 'observations', label: 'observations', pane: 'observations', z: 410 },
    { id: 'communities', label: 'communities', pane: 'communities', z: 420 },
    { id: 'facilities', label: 'facilities', pane: 'civilian', z: 430, feed: 'facilities', draw: drawFacilities },
    { id: 'qips', label: 'QIPs', pane: 'civilian', z: 430, feed: 'qips', draw: drawQips },
    { id: 'bases', label: 'bases', pane: 'bases', z: 440 },
  ];
  map.createPane('basemap').style.zIndex = '250';
  const layers = {};
  for (const entry of LAYERS) {
    if (!map.getPane(entry.pane)) {
      map.createPane(entry.pane).style.zIndex = String(entry.z);
    }
    layers[entry.id] = (entry.id === 'observations'
      ? L.markerClusterGroup({ clusterPane: 'observations', maxClusterRadius: 50, showCoverageOnHover: false, chunkedLoading: true })
      : L.layerGroup()).addTo(map);
    const box = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = true;
    input.dataset.layer = entry.id;
    box.append(input, ' ' + entry.label);
    $('toggles').append(box);
  }
  L.control.scale({ imperial: false }).addTo(map);
  // For a test to open an observation's popup as a click would.
  window.geoMapLayers = layers;

  const banner = $('error');
  let generation = 0;
  let inFlight = null;
  let fitted = false;

  // ---- the token: from the address's fragment once, then from this tab's session ----

  function takeToken() {
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const given = fragment.get('token');
    if (given) {
      sessionStorage.setItem(TOKEN_KEY, given);
      // Out of the address bar and the history, so it is not shared with a copied link.
      history.replaceState(null, '', window.location.pathname + window.location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  // ---- controls ----

  function isoDate(date) {
    return date.toISOString().slice(0, 10);
  }

  function defaultPeriod() {
    const today = new Date();
    const from = new Date(Date.UTC(today.getUTCFullYear() - 1, today.getUTCMonth(), today.getUTCDate()));
    $('from').value = isoDate(from);
    $('to').value = isoDate(today);
  }

  function checkedNumbers(box) {
    return Array.from($(box).querySelectorAll('input:checked'), (input) => Number(input.value));
  }

  /** The filter's boxes: one checkbox per value, the defaults checked. */
  function fillChoices(box, values, checked) {
    $(box).replaceChildren(...values.map(([name, number, words]) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.value = String(number);
      input.dataset.name = name;
      input.checked = checked.includes(number);
      label.append(input, ' ' + words);
      return label;
    }));
  }

  function describeChoices() {
    const categories = checkedNumbers('categories');
    const verification = checkedNumbers('verification');
    $('categories-summary').textContent = `(${categories.length} of ${CATEGORIES.length})`;
    $('verification-summary').textContent = `(${verification.length} of ${VERIFICATIONS.length})`;
  }

  function selection() {
    const from = $('from').value;
    const to = $('to').value;
    const categories = checkedNumbers('categories');
    const verification = checkedNumbers('verification');
    return {
      categories,
      categoryNames: CATEGORIES.filter(([, n]) => categories.includes(n)).map(([name]) => name),
      verification,
      verificationNames: VERIFICATIONS.filter(([, n]) => verification.includes(n)).map(([name]) => name),
      minSeverity: Number($('min-severity').value) || 1,
      step: $('step').value,
      from: from + 'T00:00:00Z',
      // The "to" day is included: the period ends at the start of the next day.
      to: isoDate(new Date(Date.parse(to + 'T00:00:00Z') + DAY_MS)) + 'T00:00:00Z',
      at: to,
      sex: $('sex').value,
      age: $('age').value,
      surface: document.querySelector('input[name=surface]:checked').value,
      threshold: Math.max(1, Number($('threshold').value) || 1),
      reach: $('reach').value,
    };
  }

  // The travel time the coverage layers judge reach by, and the isochrones draw; none for the straight line.
  function reachParameters(chosen) {
    if (!chosen.reach) {
      return null;
    }
    const [mode, minutes] = chosen.reach.split(':');
    return Object.assign(atParameters('', chosen.at), { 'reachTime.mode': mode, 'reachTime.minutes': minutes });
  }

  // ---- calls ----

  class Refusal extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  async function pull(layer, parameters, signal) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      throw new Refusal('No token: paste a bearer token in the token box (or open /map#token=...).', 0);
    }
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(parameters)) {
      // A list goes as the key repeated, as the layers read repeated fields.
      for (const one of Array.isArray(value) ? value : [value]) {
        if (one !== '' && one !== null && one !== undefined) {
          query.append(name, String(one));
        }
      }
    }
    let response;
    try {
      response = await fetch('/feeds/layers/' + layer + '?' + query.toString(), {
        headers: { Authorization: 'Bearer ' + token, Accept: 'application/geo+json' },
        signal,
        cache: 'no-store',
      });
    } catch (e) {
      if (e.name === 'AbortError') {
        throw e;
      }
      throw new Refusal('The service did not answer (' + e.message + ').', 0);
    }
    if (!response.ok) {
      let problem = response.statusText;
      let status = '';
      try {
        const body = await response.json();
        problem = body.problem || problem;
        status = body.status || '';
      } catch (ignored) {
        // Not the service's JSON problem (a proxy's page): the HTTP status says enough.
      }
      throw new Refusal(`${layer}: HTTP ${response.status}${status ? ' ' + status : ''}: ${problem}`, response.status);
    }
    return response.json();
  }

  // The civilian picture's layers are for the roles that read it: for any other the map goes on
  // without them (their boxes say so) rather than failing whole.
  async function optional(layer, parameters, signal) {
    try {
      return await pull(layer, parameters, signal);
    } catch (e) {
      if (e instanceof Refusal && e.status === 403) {
        return { features: [], refused: true };
      }
      throw e;
    }
  }

  function atParameters(prefix, date) {
    const [year, month, day] = date.split('-').map(Number);
    return { [prefix + 'at.year']: year, [prefix + 'at.month']: month, [prefix + 'at.day']: day };
  }

  function heatMapParameters(prefix, area, chosen) {
    // The observations mapped go in the request's filter, as Observations.Query takes them.
    const filter = prefix + 'filter.';
    const parameters = {
      [filter + 'area.bbox.west']: area.west,
      [filter + 'area.bbox.south']: area.south,
      [filter + 'area.bbox.east']: area.east,
      [filter + 'area.bbox.north']: area.north,
      [filter + 'observedFrom']: chosen.from,
      [filter + 'observedTo']: chosen.to,
      [filter + 'affectedSexes']: chosen.sex,
      [filter + 'affectedAgeGroups']: chosen.age,
      [filter + 'categories']: chosen.categoryNames,
      [filter + 'verification']: chosen.verificationNames,
      [filter + 'minSeverity']: chosen.minSeverity > 1 ? chosen.minSeverity : '',
      [prefix + 'cellSizeMetres']: area.cellSizeMetres,
    };
    return parameters;
  }

  // The heat map's area: the mission's bases and communities with a margin as wide as a base's
  // reach, cut into about 30 cells on its longer side (whole 500 m, between 5 and 50 km): cells
  // no finer than the coarsened locations most roles get, whose small counts would be withheld.
  function surfaceArea(bounds) {
    const margin = 0.3;
    const area = {
      west: round(bounds.getWest() - margin),
      south: round(Math.max(-89, bounds.getSouth() - margin)),
      east: round(bounds.getEast() + margin),
      north: round(Math.min(89, bounds.getNorth() + margin)),
    };
    const middle = (area.south + area.north) / 2;
    const width = (area.east - area.west) * 111320 * Math.cos(middle * Math.PI / 180);
    const height = (area.north - area.south) * 110574;
    area.cellSizeMetres = Math.min(50000, Math.max(5000, Math.ceil(Math.max(width, height) / 30 / 500) * 500));
    return area;
  }

  function round(degrees) {
    return Math.round(degrees * 1000) / 1000;
  }

  // ---- drawing ----

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  }

  // The feature's own properties, as the feed gives them (which never name a source).
  function details(title, properties) {
    const rows = Object.entries(properties)
      .filter(([, value]) => value !== null && value !== '')
      .map(([name, value]) => `<tr><th>${escape(name)}</th><td>${escape(typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : value)}</td></tr>`)
      .join('');
    return `<strong>${escape(title)}</strong><table class="details">${rows}</table>`;
  }

  function drawBases(collection) {
    layers.bases.clearLayers();
    for (const feature of collection.features) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      L.circleMarker([lat, lon], {
        pane: 'bases', radius: 8, weight: 2, color: '#222', fillColor: TEAM_COLOURS[p.team_status] || '#999', fillOpacity: 0.95,
      }).bindPopup(details(`${p.name} (${TEAM_WORDS[p.team_status] || p.team_status})`, p)).addTo(layers.bases);
    }
    return layers.bases.getLayers().length;
  }

  // Facilities by status; a stale or unconfirmed one is drawn dashed and says so: never left out.
  const FACILITY_COLOURS = { functional: '#1a9850', partially_functional: '#fee08b', not_functional: '#d73027', unknown: '#878787' };
  function drawFacilities(collection) {
    layers.facilities.clearLayers();
    for (const feature of collection.features) {
      const p = feature.properties;
      const current = p.confirmation === 'current';
      L.geoJSON(feature, {
        pane: 'civilian',
        style: { color: '#333', weight: 1, dashArray: current ? null : '3 3', fillColor: FACILITY_COLOURS[p.status] || '#878787', fillOpacity: 0.8 },
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: 'civilian', radius: 5, weight: current ? 1 : 2, dashArray: current ? null : '2 2',
          color: '#333', fillColor: FACILITY_COLOURS[p.status] || '#878787', fillOpacity: 0.9 }),
      }).bindPopup(details(`${p.name} (${p.type.replace(/_/g, ' ')}, ${p.confirmation})`, p)).addTo(layers.facilities);
    }
    return collection.features.length;
  }

  const SECTOR_COLOURS = ['#1f78b4', '#33a02c', '#e31a1c', '#ff7f00', '#6a3d9a', '#b15928', '#a6cee3', '#b2df8a', '#fb9a99', '#fdbf6f', '#cab2d6'];
  function sectorColour(sector) {
    let hash = 0;
    for (const c of sector) {
      hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    }
    return SECTOR_COLOURS[hash % SECTOR_COLOURS.length];
  }

  function drawPresence(collection) {
    layers.presence.clearLayers();
    for (const feature of collection.features) {
      const p = feature.properties;
      const colour = sectorColour(p.sector);
      L.geoJSON(feature, {
        pane: 'presence',
        style: { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.12 },
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane: 'presence', radius: 4, weight: 1, color: colour, fillColor: colour, fillOpacity: 0.7 }),
      }).bindPopup(details(`${p.acronym || p.organisation}: ${p.sector}`, p)).addTo(layers.presence);
    }
    return collection.features.length;
  }

  const QIP_COLOURS = { proposed: '#bdbdbd', approved: '#74add1', implementing: '#4575b4', completed: '#1a9850', cancelled: '#636363' };
  function drawQips(collection) {
    layers.qips.clearLayers();
    for (const feature of collection.features) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      L.circleMarker([lat, lon], { pane: 'civilian', radius: 6, weight: 2, color: '#000', fillColor: QIP_COLOURS[p.state] || '#999', fillOpacity: 0.9 })
        .bindPopup(details(`QIP: ${p.title} (${p.state})`, p)).addTo(layers.qips);
    }
    return collection.features.length;
  }

  function markRefused(layer, refused) {
    const box = document.querySelector(`#toggles input[data-layer="${layer}"]`);
    if (box) {
      box.disabled = Boolean(refused);
      box.parentElement.title = refused ? 'not readable with this token' : '';
    }
  }

  function communityRadius(population) {
    return Math.min(28, 4 + Math.sqrt(population || 0) / 6);
  }

  function drawCommunities(collection, inGaps) {
    layers.communities.clearLayers();
    for (const feature of collection.features) {
      const p = feature.properties;
      const inGap = inGaps.has(p.id);
      const style = {
        pane: 'communities',
        color: inGap ? GAP : (p.within_reach ? REACHED : OUT_OF_REACH),
        weight: inGap ? 4 : 1.5,
        fillColor: p.within_reach ? REACHED : OUT_OF_REACH,
        fillOpacity: 0.45,
        dashArray: p.within_reach ? null : '4 3',
      };
      const layer = L.geoJSON(feature, {
        style: () => style,
        pointToLayer: (f, latlng) => L.circleMarker(latlng, Object.assign({ radius: communityRadius(p.population) }, style)),
      });
      const reach = p.within_reach ? 'within reach' : 'out of reach';
      layer.bindPopup(details(`${p.name} (${reach}${inGap ? ', in a gender/age gap' : ''})`, p)).addTo(layers.communities);
    }
    return layers.communities.getLayers().length;
  }

  // The surface as the service computed it: one frame for the period, or one per week or month
  // (step), every frame classed on the collection's one scale (class_breaks), so that a colour
  // means the same in every frame. The slider only chooses which frame's cells are drawn.
  const surfaceState = { collection: null, surface: 'heat-map', frame: 0 };
  state.frame = null;
  state.scale = null;
  state.playing = false;

  function heatColour(cellClass, classes) {
    return HEAT[Math.round((cellClass - 1) * (HEAT.length - 1) / Math.max(1, classes - 1))] || HEAT[0];
  }

  function drawSurface() {
    layers.surface.clearLayers();
    const { collection, surface, frame } = surfaceState;
    if (!collection) {
      state.frame = null;
      state.drawnCells = [];
      showFrame();
      return 0;
    }
    const classes = (collection.class_breaks || []).length + 1;
    const drawn = [];
    for (const feature of collection.features) {
      const p = feature.properties;
      // A series' cells carry their frame; a single surface's carry none.
      if (p.frame !== undefined && p.frame !== frame) {
        continue;
      }
      drawn.push(`${p.id}:${p.class}`);
      const fill = surface === 'hot-spots' ? HOT_SPOTS[String(p.hot_spot)] || '#ffffff' : heatColour(p.class, classes);
      L.geoJSON(feature, {
        pane: 'surface',
        style: () => ({ color: '#666', weight: 0.3, fillColor: fill, fillOpacity: 0.7 }),
      }).bindPopup(details(surface === 'hot-spots' ? 'Hot-spot cell' : 'Heat-map cell', p)).addTo(layers.surface);
    }
    const frames = collection.frames || [];
    const shown = frames[frame] || null;
    const cells = layers.surface.getLayers().length;
    state.frame = { index: frame, count: frames.length, from: shown ? shown.from : null, to: shown ? shown.to : null, cells };
    state.drawnCells = drawn;
    showFrame();
    return cells;
  }

  // ---- the time slider ----

  let playing = null;

  function showFrame() {
    const frames = surfaceState.collection ? surfaceState.collection.frames || [] : [];
    const series = frames.length > 1;
    const slider = $('frame');
    slider.max = String(Math.max(0, frames.length - 1));
    slider.value = String(surfaceState.frame);
    for (const control of [slider, $('frame-previous'), $('frame-next'), $('frame-play')]) {
      control.disabled = !series;
    }
    if (!series) {
      stopPlaying();
    }
    const shown = frames[surfaceState.frame];
    // A frame ends at the start of the day after its last: both dates shown are included.
    const last = shown ? isoDate(new Date(Date.parse(shown.to) - DAY_MS)) : '';
    $('frame-dates').textContent = !shown ? ''
      : series ? `Frame ${surfaceState.frame + 1} of ${frames.length}: ${shown.from.slice(0, 10)} to ${last}` : `${shown.from.slice(0, 10)} to ${last}`;
  }

  function goToFrame(index) {
    const frames = surfaceState.collection ? surfaceState.collection.frames || [] : [];
    if (frames.length < 2) {
      return;
    }
    surfaceState.frame = ((index % frames.length) + frames.length) % frames.length;
    const cells = drawSurface();
    state.counts.heat = surfaceState.surface === 'heat-map' ? cells : 0;
    state.counts.hotSpots = surfaceState.surface === 'hot-spots' ? cells : 0;
    publish(document.body.dataset.state);
  }

  function stopPlaying() {
    clearInterval(playing);
    playing = null;
    $('frame-play').textContent = 'Play';
    state.playing = false;
  }

  $('frame-previous').addEventListener('click', () => goToFrame(surfaceState.frame - 1));
  $('frame-next').addEventListener('click', () => goToFrame(surfaceState.frame + 1));
  $('frame').addEventListener('input', (event) => goToFrame(Number(event.target.value)));
  $('frame-play').addEventListener('click', () => {
    if (playing) {
      stopPlaying();
      return;
    }
    $('frame-play').textContent = 'Pause';
    state.playing = true;
    playing = setInterval(() => goToFrame(surfaceState.frame + 1), 1200);
  });
  $('frames').addEventListener('submit', (event) => event.preventDefault());
  $('step').addEventListener('change', () => load());

  // The scale of the surface, written once per answer: the same whatever frame is shown.
  function showScale() {
    const { collection, surface } = surfaceState;
    const box = document.querySelector('.legend .scale');
    if (!box) {
      return;
    }
    if (!collection || surface === 'hot-spots') {
      state.scale = collection ? { unit: collection.unit, breaks: [], text: 'hot spots: confidence classes' } : null;
      box.replaceChildren();
      return;
    }
    const breaks = collection.class_breaks || [];
    const classes = breaks.length + 1;
    const number = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
    const rows = [];
    for (let c = 1; c <= classes; c++) {
      const range = classes === 1 ? 'every cell'
        : c === 1 ? `up to ${number(breaks[0])}`
          : c === classes ? `over ${number(breaks[c - 2])}` : `${number(breaks[c - 2])} to ${number(breaks[c - 1])}`;
      rows.push([heatColour(c, classes), range]);
    }
    const title = document.createElement('h4');
    title.textContent = `Heat map: ${collection.unit || 'value'}${(collection.frames || []).length > 1 ? ' (one scale for every frame)' : ''}`;
    box.replaceChildren(title, ...rows.map(([colour, text]) => {
      const row = document.createElement('div');
      const swatch = document.createElement('i');
      swatch.style.background = colour;
      row.append(swatch, text);
      return row;
    }));
    state.scale = { unit: collection.unit, breaks: breaks.slice(), text: box.textContent };
  }

  function drawIsochrones(collection) {
    layers.isochrones.clearLayers();
    for (const feature of collection.features) {
      const p = feature.properties;
      const roadless = p.reach_basis !== 'travel_time';
      L.geoJSON(feature, {
        pane: 'isochrones',
        style: { color: roadless ? '#7a5c00' : '#1f5fa8', weight: 1, dashArray: roadless ? '4 4' : null, fillColor: roadless ? '#e0c060' : '#5b9bd5', fillOpacity: 0.12 },
      }).bindPopup(details(`Reach of ${p.name}: ${p.minutes} min ${p.mode === 'vehicle' ? 'by vehicle' : 'on foot'}` +
        (roadless ? ' (no road within a walk: straight line)' : p.seasonal_roads_closed ? ' (rainy season)' : ''), p)).addTo(layers.isochrones);
    }
    return collection.features.length;
  }

  function drawGroupGaps(collection) {
    layers.groupGaps.clearLayers();
    for (const feature of collection.features) {
      L.geoJSON(feature, {
        pane: 'gaps',
        style: () => ({ color: GAP, weight: 2.5, fill: true, fillColor: GAP, fillOpacity: 0.08 }),
      }).bindPopup(details('Gender/age gap', feature.properties)).addTo(layers.groupGaps);
    }
    return layers.groupGaps.getLayers().length;
  }

  // ---- legend ----

  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = () => {
    const div = L.DomUtil.create('div', 'legend');
    const swatch = (colour, text, round) => `<div><i class="${round ? 'round' : ''}" style="background:${colour}"></i>${escape(text)}</div>`;
    div.innerHTML = '<h4>Bases: CLA team</h4>'
      + Object.keys(TEAM_COLOURS).map((k) => swatch(TEAM_COLOURS[k], TEAM_WORDS[k], true)).join('')
      + '<h4>Communities at risk (size: population)</h4>'
      + swatch(REACHED, 'reached by a staffed base', true) + swatch(OUT_OF_REACH, 'out of reach', true)
      + '<div class="scale"></div>'
      + '<h4>Hot spots</h4>'
      + swatch(HOT_SPOTS[3], 'hot, 99%') + swatch(HOT_SPOTS[1], 'hot, 90%') + swatch(HOT_SPOTS[-1], 'cold, 90%') + swatch(HOT_SPOTS[-3], 'cold, 99%')
      + '<h4>Gender/age gaps</h4><div><i class="gap"></i>threats to the group, no qualifying team in reach</div>'
      + '<div class="plan-legend"><h4>Plan check</h4><div><i class="footprint"></i>footprint (area or route and buffer)</div>'
      + swatch('#ffb000', 'site touched', true) + swatch('#b00020', 'site touched, flagged', true) + swatch('#6a3d9a', 'community touched', true) + '</div>';
    return div;
  };
  legend.addTo(map);

  // ---- gRPC-Web: who the token belongs to, and the observations in view ----

  const ROLE_WORDS = {
    1: 'CLA', 2: 'supervisor', 3: 'analyst', 4: 'planner', 5: 'importer', 6: 'CPAS focal point',
    7: 'referral section', 8: 'administrator', 9: 'security focal point', 10: 'UN-CIMIC officer', 11: 'humanitarian liaison',
  };
  // geoawareness.v1.Sex and AgeGroup by the names the controls hold.
  const SEX_NUMBERS = { SEX_FEMALE: 1, SEX_MALE: 2, SEX_UNKNOWN: 3 };
  const AGE_NUMBERS = { AGE_GROUP_CHILD: 1, AGE_GROUP_YOUTH: 2, AGE_GROUP_ADULT: 3, AGE_GROUP_OLDER: 4 };
  const CALL_TIMEOUT_MS = 20000;

  // What the test reads: the caller as WhoAmI described it ({ subject, role, ... } or { error, code }),
  // the last count in view with the filter it was asked for, and how many of each call have ended.
  state.caller = null;
  state.callerChecks = 0;
  state.inView = null;
  state.inViewCounts = 0;

  const callerBox = $('caller');
  const inViewBox = $('in-view');
  let callerGeneration = 0;
  let countGeneration = 0;
  let counting = null;
  let countTimer = null;
  // A token whose role may not count observations is not asked again on every pan.
  let countRefusedFor = null;

  /** Access/WhoAmI: WhoAmIRequest {} in, TokenInfo out. */
  async function checkCaller() {
    const mine = ++callerGeneration;
    const token = sessionStorage.getItem(TOKEN_KEY);
    countRefusedFor = null;
    // The count in view was the previous token's, and so was any plan checked.
    state.inView = null;
    inViewBox.hidden = true;
    showPlanPanel(null);
    if (!token) {
      callerBox.dataset.state = 'none';
      callerBox.textContent = 'No token yet.';
      return;
    }
    callerBox.dataset.state = 'checking';
    callerBox.textContent = 'Checking the token…';
    try {
      const info = await GrpcWeb.unary('/geoawareness.v1.Access/WhoAmI', new GrpcWeb.Writer().finish(), { token, timeoutMs: CALL_TIMEOUT_MS });
      if (mine !== callerGeneration) {
        return;
      }
      // TokenInfo: id 1, role 2, subject 3, sectors 4, area 5, expires_at 7.
      const expires = GrpcWeb.readTimestamp(info.message(7));
      const caller = {
        id: info.string(1),
        subject: info.string(3),
        role: ROLE_WORDS[info.number(2)] || 'role ' + info.number(2),
        roleNumber: info.number(2),
        sectors: info.strings(4),
        limitedToArea: info.message(5) !== null,
        expiresAt: expires ? expires.toISOString() : null,
      };
      state.caller = caller;
      const scope = caller.sectors.length ? `, sectors ${caller.sectors.join(', ')}` : (caller.limitedToArea ? ', limited to an area' : '');
      callerBox.dataset.state = 'valid';
      callerBox.textContent = `Token of ${caller.subject} (${caller.role}${scope}), valid until ${caller.expiresAt ? caller.expiresAt.slice(0, 10) : '?'}`;
      showPlanPanel(caller.roleNumber);
      startLive(token);
    } catch (e) {
      if (mine !== callerGeneration) {
        return;
      }
      state.caller = { error: e.message, code: e.codeName || e.name };
      callerBox.dataset.state = 'refused';
      callerBox.textContent = 'Token refused: ' + e.message;
    } finally {
      if (mine === callerGeneration) {
        state.callerChecks++;
      }
    }
  }

  function scheduleCount() {
    clearTimeout(countTimer);
    countTimer = setTimeout(countInView, 200);
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  /**
   * geoawareness.v1.ObservationFilter for a box and the controls' choice: area 1 (Area: bbox 1
   * (BoundingBox: west 1, south 2, east 3, north 4)), observed_from 2, observed_to 3, categories 4,
   * min_severity 5, verification 6, affected_sexes 7, affected_age_groups 8.
   */
  function observationFilter(view) {
    const W = GrpcWeb.Writer;
    const bbox = new W().double(1, view.west).double(2, view.south).double(3, view.east).double(4, view.north);
    const filter = new W()
      .message(1, new W().message(1, bbox))
      .message(2, GrpcWeb.timestamp(new Date(view.from)))
      .message(3, GrpcWeb.timestamp(new Date(view.to)))
      .packed(4, view.categories)
      .packed(6, view.verification)
      .packed(7, view.sex ? [SEX_NUMBERS[view.sex]] : [])
      .packed(8, view.age ? [AGE_NUMBERS[view.age]] : []);
    return view.minSeverity > 1 ? filter.uint(5, view.minSeverity) : filter;
  }

  /** Observations/Count: ObservationFilter in (the map's view, the period and group chosen), CountResponse out. */
  async function countInView() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    // Before the first fit the view is a continent, larger than any area the service counts in.
    if (!token || !fitted || token === countRefusedFor) {
      return;
    }
    const mine = ++countGeneration;
    if (counting) {
      counting.abort();
    }
    counting = new AbortController();
    const chosen = selection();
    const bounds = map.getBounds();
    const view = {
      west: clamp(round(bounds.getWest()), -180, 180),
      south: clamp(round(bounds.getSouth()), -90, 90),
      east: clamp(round(bounds.getEast()), -180, 180),
      north: clamp(round(bounds.getNorth()), -90, 90),
      from: chosen.from,
      to: chosen.to,
      sex: chosen.sex,
      age: chosen.age,
      categories: chosen.categories,
      verification: chosen.verification,
      minSeverity: chosen.minSeverity,
    };
    const filter = observationFilter(view);
    try {
      const answer = await GrpcWeb.unary('/geoawareness.v1.Observations/Count', filter.finish(), { token, signal: counting.signal, timeoutMs: CALL_TIMEOUT_MS });
      if (mine !== countGeneration) {
        return;
      }
      // CountResponse: observations 1, withheld 2.
      view.observations = answer.number(1);
      view.withheld = answer.bool(2);
      state.inView = view;
      inViewBox.dataset.state = 'counted';
      inViewBox.textContent = view.withheld
        ? 'Observations in view: too few to show to this token'
        : `Observations in view: ${view.observations} (the period and group chosen)`;
    } catch (e) {
      if (e.name === 'AbortError' || mine !== countGeneration) {
        return;
      }
      if (e.code === GrpcWeb.Code.PERMISSION_DENIED) {
        countRefusedFor = token;
      }
      state.inView = { error: e.message, code: e.codeName || e.name };
      inViewBox.dataset.state = 'refused';
      // A role that reads no observations (planners, UN-CIMIC officers) is told so, not shown an error.
      inViewBox.textContent = e.code === GrpcWeb.Code.PERMISSION_DENIED
        ? `Observations in view: not counted, this role does not read observations (${e.message})`
        : 'Observations in view: ' + e.message;
    } finally {
      if (mine === countGeneration) {
        inViewBox.hidden = false;
        state.inViewCounts++;
      }
    }
  }

  map.on('moveend', scheduleCount);

  // ---- the observation layer: each observation as this token's role may see it ----

  // Observations/Query over gRPC-Web, for the map's area, the period and the filter chosen: the
  // service gives each role what it may read (coarse points to the roles that get them, the CLA's
  // id and notes to the chain alone), and the popup shows every field the answer holds, no other.
  // A role that may not read observations one by one (planners, UN-CIMIC officers...) gets a note.
  const OBSERVATION_PAGE_SIZE = 5000;
  const OBSERVATION_LIMIT = 20000;
  const CATEGORY_WORDS = Object.fromEntries(CATEGORIES.map(([, number, words]) => [number, words]));
  const VERIFICATION_WORDS = Object.fromEntries(VERIFICATIONS.map(([, number, words]) => [number, words]));
  const PRECISION_WORDS = { 1: 'exact', 2: 'approximate (within a few km)', 3: 'village or town', 4: 'administrative area' };
  const VULNERABILITY_WORDS = { 1: 'internally displaced', 2: 'refugees', 3: 'persons with disabilities', 4: 'minorities', 5: 'journalists and activists' };
  const SEX_WORDS = { 1: 'female', 2: 'male', 3: 'unknown sex' };
  const AGE_WORDS = { 1: 'child', 2: 'youth', 3: 'adult', 4: 'older' };
  const SEVERITY_COLOURS = ['#fee5d9', '#fcae91', '#fb6a4a', '#de2d26', '#a50f15'];
  // What the test reads: the request, each point drawn with the fields it holds, or the note.
  state.observations = { request: null, points: [], refused: false, note: null, truncated: false };
  let observationsRun = null;

  /** A packed repeated enum (or the rare unpacked one) as numbers. */
  function packedNumbers(fields, field) {
    const numbers = [];
    for (const value of fields.values.get(field) || []) {
      if (typeof value === 'number') {
        numbers.push(value);
        continue;
      }
      let number = 0;
      let scale = 1;
      for (const byte of value) {
        number += (byte & 0x7f) * scale;
        scale *= 0x80;
        if (byte < 0x80) {
          numbers.push(number);
          number = 0;
          scale = 1;
        }
      }
    }
    return numbers;
  }

  function isoOf(fields, field) {
    const at = GrpcWeb.readTimestamp(fields.message(field));
    return at ? at.toISOString() : null;
  }

  /**
   * geoawareness.v1.Observation as received: id 1, reporter_id 2, observed_at 3, reported_at 4,
   * location 5, area 6, location_precision 7, category 8, severity 9, affected 10, vulnerabilities 11,
   * community_id 12, base_id 13, notes 14, verification 16, response 17, version 18, received_at 19,
   * summary 21, released_at 22, released_by 23. Only the fields the answer holds are kept.
   */
  function readObservation(fields) {
    const received = {};
    const keep = (name, value) => {
      if (value !== null && value !== '' && value !== 0 && !(Array.isArray(value) && value.length === 0)) {
        received[name] = value;
      }
    };
    const location = fields.message(5);
    keep('id', fields.string(1));
    keep('reporter_id', fields.string(2));
    keep('observed_at', isoOf(fields, 3));
    keep('reported_at', isoOf(fields, 4));
    keep('location', location ? [location.double(1), location.double(2)] : null);
    keep('area', fields.message(6) ? true : null);
    keep('location_precision', fields.number(7));
    keep('category', fields.number(8));
    keep('severity', fields.number(9));
    keep('affected', (fields.values.get(10) || []).map((bytes) => {
      const group = new GrpcWeb.Fields(bytes);
      return [group.number(1), group.number(2), group.number(3)];
    }));
    keep('vulnerabilities', packedNumbers(fields, 11));
    keep('community_id', fields.string(12));
    keep('base_id', fields.string(13));
    keep('notes', fields.string(14));
    keep('verification', fields.number(16));
    const response = fields.message(17);
    keep('response', response ? { actions: response.string(1), at: isoOf(response, 2) } : null);
    keep('version', fields.number(18));
    keep('received_at', isoOf(fields, 19));
    keep('summary', fields.string(21));
    keep('released_at', isoOf(fields, 22));
    keep('released_by', fields.string(23));
    return { id: received.id, longitude: location ? location.double(1) : null, latitude: location ? location.double(2) : null, fields: received };
  }

  /** The fields for the popup, in words. */
  function observationWords(received) {
    const words = {};
    for (const [name, value] of Object.entries(received)) {
      switch (name) {
        case 'location': words[name] = `${value[1].toFixed(5)}, ${value[0].toFixed(5)}`; break;
        case 'area': words[name] = 'an area is given'; break;
        case 'location_precision': words[name] = PRECISION_WORDS[value] || value; break;
        case 'category': words[name] = CATEGORY_WORDS[value] || value; break;
        case 'verification': words[name] = VERIFICATION_WORDS[value] || value; break;
        case 'affected': words[name] = value.map(([sex, age, count]) => `${count} ${SEX_WORDS[sex] || '?'} ${AGE_WORDS[age] || '?'}`).join(', '); break;
        case 'vulnerabilities': words[name] = value.map((v) => VULNERABILITY_WORDS[v] || v).join(', '); break;
        case 'response': words[name] = `${value.actions}${value.at ? ' (' + value.at + ')' : ''}`; break;
        default: words[name] = value;
      }
    }
    return words;
  }

  function drawObservations(points) {
    layers.observations.clearLayers();
    const markers = points.filter((point) => point.latitude !== null).map((point) => {
      const severity = point.fields.severity || 1;
      return L.circleMarker([point.latitude, point.longitude], {
        pane: 'observations', radius: 6, weight: 1, color: '#333', fillColor: SEVERITY_COLOURS[severity - 1] || '#999', fillOpacity: 0.9,
      }).bindPopup(details(`${CATEGORY_WORDS[point.fields.category] || 'Observation'} (severity ${severity})`, observationWords(point.fields)));
    });
    layers.observations.addLayers(markers);
    return markers.length;
  }

  function noteObservations(text) {
    state.observations.note = text;
    $('observations-note').textContent = text || '';
    $('observations-note').hidden = !text;
  }

  /** Every observation of the area, period and filter that Query gives this token (up to a limit). */
  async function loadObservations(area, chosen, signal) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (observationsRun) {
      observationsRun.abort();
    }
    const run = new AbortController();
    observationsRun = run;
    signal.addEventListener('abort', () => run.abort());
    const request = {
      west: area.west, south: area.south, east: area.east, north: area.north,
      from: chosen.from, to: chosen.to, sex: chosen.sex, age: chosen.age,
      categories: chosen.categories, verification: chosen.verification, minSeverity: chosen.minSeverity,
    };
    state.observations = { request, points: [], refused: false, note: null, truncated: false };
    const points = [];
    try {
      const W = GrpcWeb.Writer;
      // QueryObservationsRequest: filter 1, page_size 2; ObservationPage: observations 1.
      const body = new W().message(1, observationFilter(request)).uint(2, OBSERVATION_PAGE_SIZE).finish();
      await GrpcWeb.serverStream('/geoawareness.v1.Observations/Query', body, (page) => {
        for (const bytes of page.values.get(1) || []) {
          if (points.length >= OBSERVATION_LIMIT) {
            state.observations.truncated = true;
            run.abort();
            return;
          }
          points.push(readObservation(new GrpcWeb.Fields(bytes)));
        }
      }, { token, signal: run.signal });
    } catch (e) {
      if (signal.aborted) {
        throw e;
      }
      // Stopped here at the limit: what came is drawn, and the note says there is more.
      if (!state.observations.truncated) {
        layers.observations.clearLayers();
        const refused = e.code === GrpcWeb.Code.PERMISSION_DENIED;
        state.observations.refused = refused;
        markRefused('observations', refused);
        noteObservations(refused
          ? 'Observations: not shown, this role may not read them one by one (' + e.message + ')'
          : 'Observations: not shown (' + e.message + ')');
        return 0;
      }
    }
    state.observations.points = points;
    markRefused('observations', false);
    noteObservations(state.observations.truncated ? `Observations: the first ${OBSERVATION_LIMIT} only; narrow the filter or the period to see the rest.` : null);
    return drawObservations(points);
  }

  // ---- the base map: the mission's own file of boundaries and places, under every layer ----

  // Served by the service from the one file it is configured with (/map/basemap says what kind),
  // so it works offline and under the page's Content-Security-Policy. Optional: with none
  // configured the page draws on its plain background; a configured one that cannot be read
  // shows a banner, never a failure of the page.
  state.baseMap = { kind: null, features: 0, tiles: 0, error: null };

  // Vector tiles (a PMTiles archive, or an MBTiles file of pbf tiles) are drawn by
  // protomaps-leaflet, fetched from the service only when the mission's base map needs it. The
  // file's layers are the mission's own, named in its metadata: each is drawn plainly by its
  // geometry (areas faintly filled with a dashed edge, lines grey, places as dots with their name),
  // in the same style as a GeoJSON base map.
  async function vectorBaseMap(info) {
    if (!window.protomapsL) {
      await new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = '/map/protomaps/protomaps-leaflet.js';
        script.onload = resolve;
        script.onerror = () => reject(new Error('the vector-tile renderer did not load'));
        document.head.appendChild(script);
      });
    }
    const P = window.protomapsL;
    const area = (z, f) => f.geomType === 3;
    const line = (z, f) => f.geomType === 2;
    const place = (z, f) => f.geomType === 1;
    const paintRules = [];
    const labelRules = [];
    for (const name of info.layers || []) {
      paintRules.push({ dataLayer: name, filter: area, symbolizer: new P.PolygonSymbolizer({ fill: '#f6f3ea', opacity: 0.5 }) });
      paintRules.push({ dataLayer: name, filter: area, symbolizer: new P.LineSymbolizer({ color: '#7a7a7a', width: 1.2, dash: [5, 3], dashColor: '#7a7a7a', dashWidth: 1.2 }) });
      paintRules.push({ dataLayer: name, filter: line, symbolizer: new P.LineSymbolizer({ color: '#7a7a7a', width: 1.2 }) });
      paintRules.push({ dataLayer: name, filter: place, symbolizer: new P.CircleSymbolizer({ radius: 2.5, fill: '#444' }) });
      labelRules.push({
        dataLayer: name,
        filter: place,
        symbolizer: new P.OffsetTextSymbolizer({ labelProps: ['name', 'NAME', 'name:en', 'name:fr'], fill: '#333', stroke: '#fff', width: 2, font: '12px sans-serif', offsetX: 5 }),
      });
    }
    return P.leafletLayer({
      url: info.url,
      pane: 'basemap',
      paintRules,
      labelRules,
      maxDataZoom: info.max_zoom,
      // Tiles as the mission's tools make them: one data tile per 256-pixel tile at its own zoom.
      levelDiff: 0,
      attribution: '',
    });
  }

  async function loadBaseMap() {
    const box = $('basemap-banner');
    try {
      const response = await fetch('/map/basemap', { cache: 'no-store' });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      const info = await response.json();
      state.baseMap.kind = info.kind;
      if (info.kind === 'unavailable') {
        throw new Error(info.problem || 'the file cannot be read');
      }
      if (info.kind === 'geojson') {
        const geo = await fetch(info.url, { cache: 'no-cache' });
        if (!geo.ok) {
          throw new Error(`HTTP ${geo.status}`);
        }
        const layer = L.geoJSON(await geo.json(), {
          pane: 'basemap',
          interactive: false,
          style: () => ({ pane: 'basemap', color: '#7a7a7a', weight: 1.2, dashArray: '5 3', fillColor: '#f6f3ea', fillOpacity: 0.5 }),
          pointToLayer: (feature, latlng) => L.circleMarker(latlng, { pane: 'basemap', radius: 2.5, weight: 1, color: '#444', fillColor: '#444', fillOpacity: 1, interactive: false }),
          onEachFeature: (feature, drawn) => {
            const name = feature.properties && (feature.properties.name || feature.properties.NAME);
            if (name && feature.geometry && feature.geometry.type === 'Point') {
              drawn.bindTooltip(String(name), { permanent: true, direction: 'right', offset: [3, 0], className: 'basemap-place', pane: 'basemap' });
            }
          },
        }).addTo(map);
        state.baseMap.features = layer.getLayers().length;
      } else if (info.kind === 'raster-tiles') {
        const tiles = L.tileLayer(info.url, { pane: 'basemap', minZoom: 0, minNativeZoom: info.min_zoom, maxNativeZoom: info.max_zoom, maxZoom: 22 });
        tiles.on('tileload', () => state.baseMap.tiles++);
        tiles.addTo(map);
      } else if (info.kind === 'vector-tiles') {
        const tiles = await vectorBaseMap(info);
        tiles.on('tileload', () => state.baseMap.tiles++);
        // Every tile of the view drawn (Leaflet's 'load'), after each move.
        tiles.on('loading', () => { state.baseMap.settled = false; });
        tiles.on('load', () => { state.baseMap.settled = true; });
        tiles.addTo(map);
        state.baseMap.layer = tiles;
      }
      box.hidden = true;
    } catch (e) {
      state.baseMap.error = e.message;
      box.textContent = `Base map unavailable: ${e.message}. The mission's layers are drawn without it.`;
      box.hidden = false;
    } finally {
      state.baseMap.loaded = true;
    }
  }

  // ---- loading ----

  function showError(message) {
    banner.textContent = message;
    banner.hidden = false;
  }

  function publish(phase) {
    document.body.dataset.state = phase;
    for (const [name, count] of Object.entries(state.counts)) {
      document.body.dataset[name] = String(count);
    }
  }

  /** The filter as the service applied it to the surface (its answer's parameters), in words. */
  function showApplied(chosen, surface) {
    // The service says what it applied: its answer's parameters, every field filled.
    const filter = (surface && surface.parameters && surface.parameters.filter) || {};
    const categories = filter.categories || chosen.categoryNames;
    const verification = filter.verification || chosen.verificationNames;
    const words = (names, table) => names.map((name) => {
      const known = table.find(([n]) => n === name);
      return known ? known[2] : name;
    }).join(', ');
    const minSeverity = filter.minSeverity || chosen.minSeverity;
    const text = `Counting: ${words(categories, CATEGORIES)}; ${words(verification, VERIFICATIONS)}; severity ${minSeverity > 1 ? minSeverity + ' or more' : 'any'}; `
      + `observed ${$('from').value} to ${$('to').value}`
      + (chosen.sex || chosen.age ? `; affecting ${[chosen.sex, chosen.age].filter(Boolean).map((v) => v.replace(/^(SEX|AGE_GROUP)_/, '').toLowerCase()).join(' ')}` : '');
    state.applied = { categories, verification, minSeverity, text };
    $('applied-filter').textContent = text;
  }

  async function load() {
    const mine = ++generation;
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = new AbortController();
    const signal = inFlight.signal;
    const chosen = selection();
    describeChoices();
    state.loading = true;
    state.ready = false;
    publish('loading');
    try {
      if (!chosen.categories.length || !chosen.verification.length) {
        // An empty list would mean "any" to the service: never what a cleared box means.
        throw new Refusal('Choose at least one category and one verification status.', 0);
      }
      const coverage = reachParameters(chosen) || atParameters('', chosen.at);
      const optionalLayers = LAYERS.filter((entry) => entry.feed);
      const [bases, communities, ...optionals] = await Promise.all([
        pull('bases', coverage, signal), pull('communities-at-risk', coverage, signal),
        ...optionalLayers.map((entry) => {
          const parameters = entry.parameters ? entry.parameters(chosen) : {};
          // A layer with nothing to ask (no travel time chosen) is drawn empty.
          return parameters ? optional(entry.feed, parameters, signal) : Promise.resolve({ features: [] });
        }),
      ]);
      const bounds = L.latLngBounds([]);
      for (const feature of bases.features.concat(communities.features)) {
        bounds.extend(L.geoJSON(feature).getBounds());
      }
      let surface = null;
      let gaps = { features: [] };
      let observations = 0;
      if (bounds.isValid()) {
        const area = surfaceArea(bounds);
        state.area = area;
        const gapParameters = Object.assign(heatMapParameters('heatMap.', area, chosen), reachParameters(chosen) || atParameters('', chosen.at), { threshold: chosen.threshold });
        // The series (weeks or months) comes in one answer, classed on one scale over all its frames.
        const surfaceParameters = Object.assign(heatMapParameters('', area, chosen), chosen.step ? { step: chosen.step } : {});
        [surface, gaps, observations] = await Promise.all([
          pull(chosen.surface, surfaceParameters, signal),
          pull('group-gaps', gapParameters, signal),
          loadObservations(area, chosen, signal),
        ]);
      } else {
        layers.observations.clearLayers();
      }
      if (mine !== generation) {
        return;
      }
      const inGaps = new Set(gaps.features.flatMap((f) => (f.properties.community_ids ? f.properties.community_ids.split(',') : [])));
      state.counts.bases = drawBases(bases);
      state.counts.communities = drawCommunities(communities, inGaps);
      surfaceState.collection = surface;
      surfaceState.surface = chosen.surface;
      surfaceState.frame = 0;
      const cells = drawSurface();
      showScale();
      state.counts.heat = chosen.surface === 'heat-map' ? cells : 0;
      state.counts.hotSpots = chosen.surface === 'hot-spots' ? cells : 0;
      state.counts.groupGaps = drawGroupGaps(gaps);
      state.counts.observations = observations;
      optionalLayers.forEach((entry, i) => {
        state.counts[entry.id] = entry.draw(optionals[i]);
        markRefused(entry.id, optionals[i].refused);
      });
      showApplied(chosen, surface);
      if (!fitted && bounds.isValid()) {
        map.fitBounds(bounds.pad(0.1));
        fitted = true;
      }
      state.error = null;
      banner.hidden = true;
      // Nothing refused, nothing to draw: say so, so that an empty map is never a mystery.
      $('notice').hidden = bounds.isValid();
      $('notice').textContent = 'No open base and no community at risk in the area this token may see: nothing to draw yet.';
      state.ready = true;
      scheduleCount();
      if (state.loadMs === null) {
        // From the start of navigation: what a user waits for after opening the page.
        state.loadMs = Math.round(performance.now());
      }
      publish('ready');
    } catch (e) {
      if (e.name === 'AbortError' || mine !== generation) {
        return;
      }
      // A refusal is never shown as an empty map: the layers go, the banner says why.
      for (const group of Object.values(layers)) {
        group.clearLayers();
      }
      for (const name of Object.keys(state.counts)) {
        state.counts[name] = 0;
      }
      surfaceState.collection = null;
      showFrame();
      showScale();
      state.error = e.message;
      $('notice').hidden = true;
      // No count beside an empty map: it would be of layers no longer shown.
      clearTimeout(countTimer);
      countGeneration++;
      inViewBox.hidden = true;
      showError(e.message);
      publish('error');
    } finally {
      if (mine === generation) {
        state.loading = false;
        state.loads++;
      }
    }
  }


  // ---- live: observations and alerts as they are committed (Observations.Watch, Alerts) ----

  const ALERT_KINDS = { 1: 'early warning', 2: 'severe threat', 3: 'incident against a CLA' };
  const ALERT_STATES = { 1: 'open', 2: 'acknowledged', 3: 'responded', 4: 'closed' };
  const liveLayer = L.layerGroup().addTo(map);
  const alertsList = $('alerts');
  // What the test reads: whether the watch is open, what it brought, and the alerts as shown.
  state.live = { watching: false, observations: [], alerts: {}, alertEvents: 0, reconnects: 0, error: null, acknowledged: 0 };
  let live = null;

  /** geoawareness.v1.Alert: id 1, kind 3, severity 4, location 5, state 6, opened_at 7, escalations 18 and 19, version 21. */
  function readAlert(fields) {
    const when = (field) => {
      const at = GrpcWeb.readTimestamp(fields.message(field));
      return at ? at.toISOString() : null;
    };
    const location = fields.message(5);
    return {
      id: fields.string(1),
      kind: ALERT_KINDS[fields.number(3)] || 'alert',
      severity: fields.number(4),
      longitude: location ? location.double(1) : 0,
      latitude: location ? location.double(2) : 0,
      state: ALERT_STATES[fields.number(6)] || 'unknown',
      openedAt: when(7),
      escalated: [when(18) && 'not acknowledged in time', when(19) && 'no response in time'].filter(Boolean),
      version: fields.number(21),
    };
  }

  function drawAlerts() {
    const open = Object.values(state.live.alerts)
      .filter((alert) => alert.state !== 'closed')
      .sort((a, b) => (a.openedAt || '').localeCompare(b.openedAt || ''));
    alertsList.replaceChildren(...open.map((alert) => {
      const item = document.createElement('li');
      item.dataset.id = alert.id;
      item.dataset.state = alert.state;
      item.dataset.escalated = String(alert.escalated.length > 0);
      const minutes = alert.openedAt ? Math.max(0, Math.round((Date.now() - Date.parse(alert.openedAt)) / 60000)) : null;
      const age = minutes === null ? '' : minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
      item.textContent = `${alert.kind}, severity ${alert.severity}, ${alert.state}, ${age}` +
        (alert.escalated.length ? ` — escalated: ${alert.escalated.join(', ')}` : '') + ' ';
      if (alert.state === 'open') {
        const acknowledge = document.createElement('button');
        acknowledge.type = 'button';
        acknowledge.textContent = 'Acknowledge';
        acknowledge.dataset.acknowledge = alert.id;
        item.append(acknowledge);
      }
      return item;
    }));
    $('alerts-panel').hidden = open.length === 0;
  }

  alertsList.addEventListener('click', async (event) => {
    const id = event.target.dataset && event.target.dataset.acknowledge;
    if (!id) {
      return;
    }
    event.target.disabled = true;
    try {
      // Alerts/Acknowledge: AlertRequest { id 1 } in, the alert as it now is out.
      const answer = await GrpcWeb.unary('/geoawareness.v1.Alerts/Acknowledge', new GrpcWeb.Writer().string(1, id).finish(),
        { token: sessionStorage.getItem(TOKEN_KEY), timeoutMs: CALL_TIMEOUT_MS });
      const alert = readAlert(answer);
      state.live.alerts[alert.id] = alert;
      state.live.acknowledged++;
      drawAlerts();
    } catch (e) {
      event.target.disabled = false;
      event.target.title = e.message;
      state.live.error = e.codeName || e.message;
    }
  });

  function drawObservation(fields) {
    // geoawareness.v1.Observation: id 1, location 5 (as this caller may see it), category 8, severity 9.
    const location = fields.message(5);
    if (!location) {
      return;
    }
    L.circleMarker([location.double(2), location.double(1)], { radius: 6, color: '#222', weight: 1, fillColor: '#ffd400', fillOpacity: 0.9 })
      .bindPopup(`New observation ${escape(fields.string(1))}, severity ${fields.number(9)}`)
      .addTo(liveLayer);
    state.live.observations.push(fields.string(1));
  }

  /**
   * The alerts as they stand (Alerts/ListAlerts), then every change as it is committed
   * (Observations/Watch from now, over the caller's whole area), resumed from the last cursor
   * when the link breaks. A role that may not read alerts or observations watches nothing.
   */
  async function startLive(token) {
    if (live) {
      live.abort();
    }
    const mine = new AbortController();
    live = mine;
    state.live.watching = false;
    let cursor = '';
    while (!mine.signal.aborted) {
      // Alert events are live only: the list is read again whenever the watch (re)starts.
      const listed = {};
      try {
        await GrpcWeb.serverStream('/geoawareness.v1.Alerts/ListAlerts', new GrpcWeb.Writer().finish(), (fields) => {
          const alert = readAlert(fields);
          listed[alert.id] = alert;
        }, { token, signal: mine.signal });
        state.live.alerts = listed;
        drawAlerts();
      } catch (e) {
        if (e.name === 'AbortError') {
          return;
        }
        state.live.error = e.codeName || e.message;
      }

      try {
        await GrpcWeb.serverStream('/geoawareness.v1.Observations/Watch', new GrpcWeb.Writer().string(3, cursor).finish(), (event) => {
          // WatchEvent: cursor 1, observation 2, withdrawn 3, heartbeat 4, alert 5.
          cursor = event.string(1) || cursor;
          state.live.watching = true;
          const observation = event.message(2);
          if (observation) {
            drawObservation(observation);
          }
          const alert = event.message(5);
          if (alert) {
            const changed = readAlert(alert);
            state.live.alerts[changed.id] = changed;
            state.live.alertEvents++;
            drawAlerts();
          }
        }, { token, signal: mine.signal });
      } catch (e) {
        if (e.name === 'AbortError') {
          return;
        }
        state.live.watching = false;
        if (e.code === GrpcWeb.Code.PERMISSION_DENIED || e.code === GrpcWeb.Code.UNAUTHENTICATED) {
          state.live.error = e.codeName;
          return;
        }
        state.live.reconnects++;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  // ---- the plan check: draw or upload a route or an area, record it, see what it touches ----

  // The roles that record plans (ManageOperations: planners, UN-CIMIC officers), as geoawareness.v1.Role
  // numbers. Only whether the panel shows: the service refuses every other role whatever the page
  // does. A test holds this list to the service's own role table.
  const PLAN_ROLES = [4, 10];
  const FLAGGED = '#b00020';
  const TOUCHED = '#ffb000';
  const FOOTPRINT = '#ff7f00';
  const TOUCHED_COMMUNITY = '#6a3d9a';
  map.createPane('plan').style.zIndex = '450';
  map.createPane('draft').style.zIndex = '460';
  const draftLayer = L.layerGroup().addTo(map);
  const checkLayer = L.layerGroup().addTo(map);
  // What the test reads: whether the panel shows, the shape drawn or uploaded, and the last check
  // ({ id, deconfliction, counts }) or why it failed.
  state.planRoles = PLAN_ROLES;
  state.plan = { shown: false, drawing: null, vertices: 0, shape: null, checks: 0, running: false, error: null, result: null };
  const plan = { drawing: null, vertices: [], geometry: null, source: null };

  function showPlanPanel(roleNumber) {
    const shown = PLAN_ROLES.includes(roleNumber);
    $('plan-panel').hidden = !shown;
    for (const part of document.querySelectorAll('.plan-legend')) {
      part.hidden = !shown;
    }
    state.plan.shown = shown;
    if (!shown) {
      stopDrawing();
      checkLayer.clearLayers();
      state.plan.result = null;
      $('plan-result').hidden = true;
      $('plan-error').hidden = true;
    }
  }

  function roundCoordinate(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function drawnGeometry() {
    const positions = plan.vertices.map((latlng) => {
      const wrapped = latlng.wrap();
      return [roundCoordinate(wrapped.lng), roundCoordinate(wrapped.lat)];
    });
    if (plan.drawing === 'route') {
      return { type: 'LineString', coordinates: positions };
    }
    // The ring closed, as GeoJSON wants it.
    return { type: 'Polygon', coordinates: [positions.concat(positions.length ? [positions[0]] : [])] };
  }

  function describeShape() {
    const text = plan.drawing
      ? `Drawing ${plan.drawing === 'route' ? 'a route' : 'an area'}: ${plan.vertices.length} point(s). Click the map to add points, then Finish.`
      : plan.geometry
        ? (plan.source ? `Uploaded ${plan.source}.` : `Drawn: ${plan.geometry.type === 'LineString' ? 'a route' : 'an area'} of ${plan.vertices.length} point(s).`)
        : 'Click "Draw route" or "Draw area", then click the map at each point; or upload a GeoJSON file.';
    $('plan-shape').textContent = text;
    state.plan.drawing = plan.drawing;
    state.plan.vertices = plan.vertices.length;
    state.plan.shape = plan.geometry ? (plan.source ? 'file' : plan.geometry.type) : null;
    state.plan.source = plan.geometry ? plan.source : null;
    $('plan-draw-finish').disabled = !plan.drawing;
    $('plan-draw-route').setAttribute('aria-pressed', String(plan.drawing === 'route'));
    $('plan-draw-area').setAttribute('aria-pressed', String(plan.drawing === 'area'));
  }

  function drawDraft() {
    draftLayer.clearLayers();
    const style = { pane: 'draft', color: '#e65100', weight: 3, dashArray: '6 4', fillOpacity: 0.05, interactive: false };
    if (plan.drawing || (plan.geometry && !plan.source)) {
      const kind = plan.drawing || (plan.geometry.type === 'LineString' ? 'route' : 'area');
      if (plan.vertices.length > 1) {
        (kind === 'route' ? L.polyline(plan.vertices, style) : L.polygon(plan.vertices, style)).addTo(draftLayer);
      }
      for (const latlng of plan.vertices) {
        L.circleMarker(latlng, { pane: 'draft', radius: 3, color: '#e65100', weight: 2, fillOpacity: 1, interactive: false }).addTo(draftLayer);
      }
    } else if (plan.geometry) {
      try {
        L.geoJSON(plan.geometry, { style, pointToLayer: (f, latlng) => L.circleMarker(latlng, Object.assign({ radius: 4 }, style)) }).addTo(draftLayer);
      } catch (ignored) {
        // Leaflet cannot draw it; the service will say what is wrong with it when it is checked.
      }
    }
  }

  function startDrawing(kind) {
    plan.drawing = kind;
    plan.vertices = [];
    plan.geometry = null;
    plan.source = null;
    $('plan-file').value = '';
    // A double click would zoom, and a click on a feature would open its popup, instead of adding a point.
    map.doubleClickZoom.disable();
    map.getContainer().classList.add('drawing');
    drawDraft();
    describeShape();
  }

  function stopDrawing() {
    map.doubleClickZoom.enable();
    map.getContainer().classList.remove('drawing');
    if (plan.drawing) {
      plan.geometry = plan.vertices.length ? drawnGeometry() : null;
      plan.drawing = null;
    }
    drawDraft();
    describeShape();
  }

  map.on('click', (event) => {
    if (!plan.drawing) {
      return;
    }
    map.closePopup();
    plan.vertices.push(event.latlng);
    drawDraft();
    describeShape();
  });

  $('plan-draw-route').addEventListener('click', () => startDrawing('route'));
  $('plan-draw-area').addEventListener('click', () => startDrawing('area'));
  $('plan-draw-finish').addEventListener('click', stopDrawing);
  $('plan-clear').addEventListener('click', () => {
    plan.drawing = null;
    plan.vertices = [];
    plan.geometry = null;
    plan.source = null;
    $('plan-file').value = '';
    stopDrawing();
    checkLayer.clearLayers();
    state.plan.result = null;
    $('plan-result').hidden = true;
    $('plan-error').hidden = true;
  });

  $('plan-file').addEventListener('change', async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) {
      return;
    }
    plan.drawing = null;
    plan.vertices = [];
    stopDrawing();
    $('plan-error').hidden = true;
    try {
      // The file as it is: a geometry, a Feature or a FeatureCollection of one; the service reads it.
      plan.geometry = JSON.parse(await file.text());
      plan.source = file.name;
    } catch (e) {
      plan.geometry = null;
      plan.source = null;
      showPlanError(`${file.name}: is not JSON (${e.message})`);
    }
    drawDraft();
    describeShape();
    if (draftLayer.getLayers().length) {
      const bounds = L.featureGroup(draftLayer.getLayers()).getBounds();
      if (bounds.isValid()) {
        fitBesidePanel(bounds);
      }
    }
  });

  /** Shows <bounds> between the panel and the legend, under neither. */
  function fitBesidePanel(bounds) {
    const view = map.getContainer().getBoundingClientRect();
    const left = Math.max(0, $('plan-panel').getBoundingClientRect().right - view.left);
    const key = document.querySelector('.legend');
    const right = key ? Math.max(0, view.right - key.getBoundingClientRect().left) : 0;
    // On a narrow screen the panels would leave no map: then under them rather than nowhere.
    const room = view.width - left - right > 200;
    map.fitBounds(bounds, room ? { paddingTopLeft: [left + 30, 30], paddingBottomRight: [right + 30, 30] } : { padding: [30, 30] });
  }

  function showPlanError(message) {
    state.plan.error = message;
    $('plan-error').textContent = message;
    $('plan-error').hidden = false;
  }

  /** A JSON call to the service; a refusal or failure is a Refusal with its status and the service's own message. */
  async function send(path, body) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      throw new Refusal('No token: paste a bearer token in the token box (or open /map#token=...).', 0);
    }
    const headers = { Authorization: 'Bearer ' + token, Accept: 'application/json, application/geo+json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (e) {
      throw new Refusal('The service did not answer (' + e.message + ').', 0);
    }
    if (!response.ok) {
      let problem = response.statusText;
      let status = '';
      try {
        const answer = await response.json();
        problem = answer.problem || problem;
        status = answer.status || '';
      } catch (ignored) {
        // Not the service's JSON problem (a proxy's page): the HTTP status says enough.
      }
      throw new Refusal(`HTTP ${response.status}${status ? ' ' + status : ''}: ${problem}`, response.status);
    }
    return response.json();
  }

  function newPlanId() {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return 'op-map-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function utc(value) {
    // The inputs hold a UTC date and time without a zone ("2026-12-20T06:00"), as their labels say.
    return value ? value + ':00Z' : undefined;
  }

  function metres(value) {
    return value < 1000 ? `${Math.round(value)} m` : `${(value / 1000).toFixed(1)} km`;
  }

  /** The feature's properties for its popup: nested lists as one line each. */
  function flat(properties) {
    const shown = Object.assign({}, properties);
    if (Array.isArray(shown.teams)) {
      shown.teams = shown.teams.map((t) => `${t.base_name} ${metres(t.distance_metres)} (${t.cla_count} CLAs${t.has_female_cla ? ', a woman' : ''})`).join('; ') || 'none in reach';
    }
    if (Array.isArray(shown.population_by_group)) {
      shown.population_by_group = shown.population_by_group.map((g) => `${g.sex} ${g.age_group} ${g.count}`).join(', ');
    }
    return shown;
  }

  /** One feature of the check, drawn with path options that carry its pane and class (a point as a circle of <radius>). */
  function highlight(feature, options, radius) {
    return L.geoJSON(feature, Object.assign({}, options, {
      style: () => options,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, Object.assign({ radius }, options)),
    }));
  }

  function drawCheck(collection) {
    checkLayer.clearLayers();
    const counts = { footprint: 0, plan: 0, facilities: 0, flagged: 0, communities: 0 };
    for (const feature of collection.features) {
      const p = feature.properties;
      if (p.layer === 'footprint') {
        highlight(feature, { pane: 'plan', className: 'plan-footprint', interactive: false, color: FOOTPRINT, weight: 2, dashArray: '8 5',
          fillColor: FOOTPRINT, fillOpacity: 0.08 }, 0).addTo(checkLayer);
        counts.footprint++;
      } else if (p.layer === 'plan') {
        highlight(feature, { pane: 'plan', className: 'plan-shape', color: '#4a1486', weight: 3, fill: p.place === 'area', fillOpacity: 0 }, 4)
          .bindPopup(details(`Plan ${p.name} (${p.kind}, ${p.place})`, p)).addTo(checkLayer);
        counts.plan++;
      } else if (p.layer === 'facility') {
        // A flagged site (notified, or of a type the mission flags) stands out: larger, red, black ring.
        highlight(feature, { pane: 'plan', className: p.flagged ? 'plan-facility plan-flagged' : 'plan-facility', color: p.flagged ? '#000' : '#7a4f00',
          weight: p.flagged ? 3 : 2, fillColor: p.flagged ? FLAGGED : TOUCHED, fillOpacity: 0.9 }, p.flagged ? 9 : 6)
          .bindPopup(details(`${p.flagged ? 'FLAGGED: ' : ''}${p.name} (${p.type.replace(/_/g, ' ')}, ${metres(p.distance_metres)})`, p)).addTo(checkLayer);
        counts.facilities++;
        counts.flagged += p.flagged ? 1 : 0;
      } else if (p.layer === 'community') {
        highlight(feature, { pane: 'plan', className: 'plan-community', color: TOUCHED_COMMUNITY, weight: p.at_risk ? 3 : 1.5, dashArray: p.at_risk ? null : '3 3',
          fillColor: TOUCHED_COMMUNITY, fillOpacity: 0.25 }, communityRadius(p.population) + 3)
          .bindPopup(details(`${p.name} (${p.risk_level} risk, ${metres(p.distance_metres)})`, flat(p))).addTo(checkLayer);
        counts.communities++;
      }
    }
    return counts;
  }

  function summarise(collection, counts) {
    const s = collection.properties;
    const box = $('plan-result');
    box.dataset.deconfliction = s.deconfliction;
    const flaggedWithheld = s.flagged_withheld ? `; ${s.flagged_withheld} more not readable with this token` : '';
    const lines = [
      `Facilities and sites touched: ${s.facilities}${s.facilities_withheld ? ` (and ${s.facilities_withheld} withheld: liaison-only, counted only)` : ''}`,
      `Communities touched: ${s.communities} (${s.communities_at_risk} at risk)`,
      `Threats, last ${s.threat_days} days: ${s.threats.length ? s.threats.map((t) => `${t.category.replace(/_/g, ' ')} ${t.count}`).join(', ') : 'none'}`,
      `Humanitarian presence: ${s.presence.length ? s.presence.map((p) => `${p.sector} ${p.records} (${p.organisations} org.${p.organisation_names.length ? ': ' + p.organisation_names.join(', ') : ''})`).join('; ') : 'none'}`,
    ];
    const headline = document.createElement('div');
    headline.className = 'state';
    headline.textContent = `Deconfliction: ${s.deconfliction.replace(/_/g, ' ')}` +
      (s.deconfliction === 'flagged' ? ` (${counts.flagged} flagged site(s) shown${flaggedWithheld})` : '');
    const list = document.createElement('ul');
    list.replaceChildren(...lines.map((line) => {
      const item = document.createElement('li');
      item.textContent = line;
      return item;
    }));
    box.replaceChildren(headline, list);
    box.hidden = false;
  }

  $('plan-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (state.plan.running) {
      return;
    }
    if (plan.drawing) {
      stopDrawing();
    }
    $('plan-error').hidden = true;
    state.plan.error = null;
    if (!plan.geometry) {
      showPlanError('Draw a route or an area on the map, or upload a GeoJSON file, first.');
      state.plan.checks++;
      return;
    }
    const buffer = $('plan-buffer').value;
    const body = {
      id: newPlanId(),
      name: $('plan-name').value,
      kind: $('plan-kind').value,
      unit: $('plan-unit').value,
      buffer_metres: buffer === '' ? undefined : Number(buffer),
      starts_at: utc($('plan-starts').value),
      ends_at: utc($('plan-ends').value),
      geometry: plan.geometry,
    };
    state.plan.running = true;
    $('plan-check').disabled = true;
    try {
      const recorded = await send('/operations', body);
      const collection = await send(recorded.check);
      const counts = drawCheck(collection);
      summarise(collection, counts);
      state.plan.result = {
        id: recorded.id,
        deconfliction: collection.properties.deconfliction,
        facilitiesWithheld: collection.properties.facilities_withheld,
        flaggedWithheld: collection.properties.flagged_withheld,
        counts,
      };
      const bounds = L.featureGroup(checkLayer.getLayers()).getBounds();
      if (bounds.isValid()) {
        fitBesidePanel(bounds);
      }
    } catch (e) {
      // Never an empty map that looks like "nothing touched": the highlight goes, the reason shows.
      checkLayer.clearLayers();
      state.plan.result = null;
      $('plan-result').hidden = true;
      showPlanError(e.message);
    } finally {
      state.plan.running = false;
      $('plan-check').disabled = false;
      state.plan.checks++;
    }
  });

  function defaultWindow() {
    const tomorrow = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
    $('plan-starts').value = tomorrow + 'T06:00';
    $('plan-ends').value = tomorrow + 'T18:00';
  }

  // ---- CIV-OES for this view: the printable document for the map's bounds and period ----

  // What the test reads: the last request's address, how many were made and opened, and the last error.
  state.civoes = { requests: 0, opened: 0, url: null, error: null };

  function bboxOfView() {
    const bounds = map.getBounds();
    // Outward to about a metre, so that the box holds all that is visible.
    const down = (value) => Math.floor(value * 1e5) / 1e5;
    const up = (value) => Math.ceil(value * 1e5) / 1e5;
    return [down(clamp(bounds.getWest(), -180, 180)), down(clamp(bounds.getSouth(), -90, 90)), up(clamp(bounds.getEast(), -180, 180)), up(clamp(bounds.getNorth(), -90, 90))];
  }

  $('civoes').addEventListener('click', async () => {
    const status = $('civoes-status');
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      status.dataset.state = 'error';
      status.textContent = 'No token: paste a bearer token in the token box first.';
      status.hidden = false;
      return;
    }
    const url = `/civoes.html?bbox=${bboxOfView().join(',')}&from=${$('from').value}&to=${$('to').value}`;
    // The tab opens now, while this is still the user's click: one opened when the answer comes
    // would be a blocked pop-up. It gets the document as a blob, so the token is in no address.
    const tab = window.open('', '_blank');
    if (tab) {
      tab.opener = null;
      tab.document.title = 'CIV-OES';
      if (tab.document.body) {
        tab.document.body.textContent = 'Preparing the CIV-OES document…';
      }
    }
    state.civoes.url = url;
    state.civoes.requests++;
    state.civoes.error = null;
    status.dataset.state = 'loading';
    status.textContent = 'Preparing the CIV-OES document…';
    status.hidden = false;
    try {
      let response;
      try {
        response = await fetch(url, { headers: { Authorization: 'Bearer ' + token, Accept: 'text/html' }, cache: 'no-store' });
      } catch (e) {
        throw new Error('the service did not answer (' + e.message + ')');
      }
      if (!response.ok) {
        // The service's text message (or its JSON problem, from the token check); a bare status otherwise.
        let problem = (await response.text()).trim();
        try {
          const answer = JSON.parse(problem);
          problem = (answer.status ? answer.status + ': ' : '') + (answer.problem || '');
        } catch (ignored) {
          // Plain text, as the document's refusals are.
        }
        throw new Error(`HTTP ${response.status}${problem ? ': ' + problem : ' ' + response.statusText}`);
      }
      const blobUrl = URL.createObjectURL(new Blob([await response.arrayBuffer()], { type: 'text/html' }));
      // Long enough for the tab to load it (or for a click on the link below); it is the user's own copy after that.
      setTimeout(() => URL.revokeObjectURL(blobUrl), 5 * 60 * 1000);
      if (tab && !tab.closed) {
        tab.location.href = blobUrl;
        status.dataset.state = 'opened';
        status.textContent = 'CIV-OES opened in a new tab.';
      } else {
        // The browser refused the tab: a link the user may follow instead.
        const link = document.createElement('a');
        link.href = blobUrl;
        link.target = '_blank';
        link.rel = 'noopener';
        link.textContent = 'Open the CIV-OES document';
        status.dataset.state = 'opened';
        status.replaceChildren(link);
      }
      state.civoes.opened++;
    } catch (e) {
      if (tab && !tab.closed) {
        tab.close();
      }
      state.civoes.error = 'CIV-OES: ' + e.message;
      status.dataset.state = 'error';
      status.textContent = state.civoes.error;
    }
  });

  $('filters').addEventListener('change', (event) => {
    const toggle = event.target.dataset && event.target.dataset.layer;
    if (toggle) {
      if (event.target.checked) {
        layers[toggle].addTo(map);
      } else {
        layers[toggle].remove();
      }
      return;
    }
    load();
  });
  $('filters').addEventListener('submit', (event) => event.preventDefault());
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      $('token').value = '';
      checkCaller();
      load();
    }
  });

  fillChoices('categories', CATEGORIES, DEFAULT_CATEGORIES);
  fillChoices('verification', VERIFICATIONS, DEFAULT_VERIFICATION);
  describeChoices();
  loadBaseMap();
  defaultPeriod();
  defaultWindow();
  describeShape();
  takeToken();
  checkCaller();
  load();
})();
