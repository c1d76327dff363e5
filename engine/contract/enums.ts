/**
 * The vocabularies the engine, the HTTP API, the web app, the exports and the PDF share: one list
 * each, imported by every side (engine modules re-export them where they used to define them).
 * Adding a value here is a contract change: labels.ts must name it (the type checker says where).
 * No runtime dependency: the web bundle imports this file as is.
 */

/** Hazards the risk method scores (config/risk.json has one entry each). */
export const HAZARDS = ['flood', 'coastal_retreat', 'clay', 'seismic', 'heat', 'drought', 'wildfire', 'land_movement'] as const;
export type Hazard = (typeof HAZARDS)[number];

/** Today's climate and the TRACC warming levels. */
export const SCENARIOS = ['ref', '+2.0', '+2.7', '+4.0'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SITE_KINDS = ['monument', 'archaeo', 'museum'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/** Hazard levels by index 0–3, as stored in score terms; « donnée absente » is NULL, never a level. */
export const LEVELS = ['très faible', 'faible', 'moyen', 'fort'] as const;
export type LevelIndex = 0 | 1 | 2 | 3;
export const NO_DATA = 'donnée absente';

export const PROTECTIONS = ['classe', 'inscrit', 'classe_inscrit', 'inconnue'] as const;
export type Protection = (typeof PROTECTIONS)[number];

/** Where a site's position comes from: its own coordinates, or its commune (approximate). */
export const POSITION_SOURCES = ['coordinates', 'commune'] as const;
export type PositionSource = (typeof POSITION_SOURCES)[number];

export const ROLES = ['lecteur', 'relecteur_monuments', 'relecteur_detections', 'administrateur'] as const;
export type Role = (typeof ROLES)[number];

/** Parts of the data that VIGIE_PUBLIC may open to anonymous visitors. Detections never are. */
export const PUBLIC_PARTS = ['monuments', 'risk', 'basemap', 'hazards'] as const;
export type PublicPart = (typeof PUBLIC_PARTS)[number];

export const DETECTION_CLASSES = ['mound', 'kiln', 'enclosure', 'pit'] as const;
export type DetectionClass = (typeof DETECTION_CLASSES)[number];

/** Calibrated reliability levels of a detection, index 0–3. */
export const RELIABILITY_LEVELS = ['doubtful', 'possible', 'probable', 'very_probable'] as const;
export type ReliabilityLevel = (typeof RELIABILITY_LEVELS)[number];

export const DECISIONS = ['oui', 'non', 'peut_etre'] as const;
export type Decision = (typeof DECISIONS)[number];

export const ETATS = ['bon', 'moyen', 'mauvais', 'peril'] as const;
export type Etat = (typeof ETATS)[number];

/** A condition survey matched uncertainly: waiting, matched to a monument by a reviewer, or none of them. */
export const CONDITION_MATCH_STATES = ['pending', 'matched', 'dismissed'] as const;

export const STATUTS = ['a_examiner', 'examine', 'visite_necessaire'] as const;
export type ReviewStatus = (typeof STATUTS)[number];

export const RELIEF_VIEWS = ['hillshade', 'lrm', 'svf', 'slope'] as const;
export type ReliefView = (typeof RELIEF_VIEWS)[number];

export const BASEMAP_LAYERS = ['land', 'communes', 'rivers'] as const;
export type BasemapLayer = (typeof BASEMAP_LAYERS)[number];

export const DETECTION_ORDERS = ['reliability', 'area'] as const;
export type DetectionOrder = (typeof DETECTION_ORDERS)[number];

export const DETECTION_STATUSES = ['pending', 'reviewed', 'all'] as const;
export type DetectionStatus = (typeof DETECTION_STATUSES)[number];

/**
 * Export layers: these follow VIGIE_PUBLIC's `risk` part; the detections (in any format,
 * ArchéologIA included) need a session.
 */
export const PUBLIC_EXPORT_LAYERS = ['monuments', 'rollups'] as const;
export const PRIVATE_EXPORT_LAYERS = ['detections'] as const;

/** Above this many communes the map asks /api/basemap/communes?bbox= for its view, from zoom 9. */
export const COMMUNES_BY_VIEW = 3000;
export const COMMUNES_MIN_ZOOM = 9;
/**
 * Commune outlines are drawn from this zoom (a region in view) in every database: at country
 * scale they are a grey haze of 2 px cells that cannot be hovered one by one, and drawing them
 * costs the first screen most of a second in software WebGL (pipelines/bench/web.ts).
 */
export const COMMUNES_OUTLINE_MIN_ZOOM = 7;
