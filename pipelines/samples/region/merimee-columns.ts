/**
 * The 78 columns of a Mérimée export, in the POP spelling. The open-data spelling of each is the
 * lower-cased name with every other character turned into `_` (so `Vocable_-_pour_…` becomes
 * `vocable___pour_…`), which is what data.culture.gouv.fr publishes.
 */
export const MERIMEE_POP_COLUMNS = [
  'Reference', 'Cadre_de_l_etude', 'Date_d_enquete', 'Titre_editorial_de_la_notice', 'Denomination_de_l_edifice',
  'Precision_sur_la_denomination', 'Autre_appellation_de_l_edifice', 'Partie_constituante', 'Partie_constituante_non_etudiee',
  'Destinataire_de_l_edifice', 'Typologie_de_la_protection', 'Date_et_typologie_de_la_protection', 'Precision_de_la_protection',
  'Nature_de_la_protection', 'Elements_proteges_MH', 'Typologie_de_la_zone_de_protection', 'Statut_juridique_de_l_edifice',
  'Region', 'Departement_format_numerique', 'Departement_en_lettres', 'Aire_d_etude', 'Canton', 'Commune_forme_editoriale',
  'Commune_forme_index', 'COG_Insee_lors_de_la_protection', 'Adresse_forme_editoriale', 'Adresse_forme_index', 'Lieudit',
  'Cadastre', 'Precision_sur_la_localisation', 'Milieu_d_implantation', 'Nom_du_cours_d_eau_traversant_ou_bordant_l_edifice',
  'Siecle_de_la_campagne_principale_de_construction', 'Siecle_de_campagne_secondaire_de_construction', 'Datation_de_l_edifice',
  'Annees_de_campagnes', 'Justification_de_la_datation', 'Auteur_de_l_edifice', 'Justification_de_l_attribution',
  'Personnes_liees_a_l_histoire_de_l_edifice', 'Materiaux_du_gros_oeuvre', 'Structure_de_l_elevation', 'Vaisseau_et_etage',
  'Typologie_du_couvrement', 'Parti_d_elevation_exterieure', 'Materiaux_de_la_couverture', 'Type_de_couverture',
  'Emplacement_forme_et_structure_de_l_escalier', 'Typologie_de_plan', 'Source_de_l_energie',
  'Technique_du_decor_des_immeubles_par_nature', 'Indexation_iconographique_normalisee', 'Precision_sur_la_representation',
  'Etat_de_conservation', 'Precision_sur_l_etat_de_conservation', 'Dispositions_particulieres', 'Elements_remarquables',
  'Interet_de_l_edifice', 'Domaine', 'Typologie_du_dossier', 'Historique', 'Description_de_l_edifice', 'Observations',
  'Destination_actuelle_de_l_edifice', 'Vocable_-_pour_les_edifices_cultuels', 'Date_de_depot', 'Numero_de_dossier',
  'Redacteur_de_la_notice', 'Copyright_de_la_notice', 'Contact', 'Date_de_creation_de_la_notice',
  'Date_de_la_derniere_mise_a_jour', 'Reference_Palissy', 'Reference_Memoire', 'Reference_de_l_edifice_de_conservation',
  'Lien_vers_la_base_Joconde', 'Liens_externes', 'coordonnees_au_format_WGS84',
] as const;

export type MerimeeColumn = (typeof MERIMEE_POP_COLUMNS)[number];

export const openDataName = (pop: string): string => pop.toLowerCase().replace(/[^a-z0-9]/g, '_');

if (MERIMEE_POP_COLUMNS.length !== 78) throw new Error(`Mérimée columns: ${MERIMEE_POP_COLUMNS.length}, expected 78`);
