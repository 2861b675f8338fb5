/** An error that becomes an HTTP answer: a stable code for the program, a French message for people. */
export class HttpError extends Error {
  constructor(
    public status: number,
    public code: string,
    message?: string,
    public headers: Record<string, string> = {},
  ) {
    super(message ?? code);
  }
}

export const notFound = () => new HttpError(404, 'not_found');
export const forbidden = (code = 'forbidden') => new HttpError(403, code);

/** French titles and explanations of the error pages. */
export const ERROR_PAGES: Record<number, { title: string; text: string }> = {
  400: { title: 'Requête incorrecte', text: 'La demande envoyée n’a pas pu être comprise.' },
  401: { title: 'Connexion requise', text: 'Connectez-vous pour accéder à cette page.' },
  403: { title: 'Accès refusé', text: 'Vous n’avez pas les droits nécessaires pour cette page ou cette action.' },
  404: { title: 'Page introuvable', text: 'La page demandée n’existe pas ou n’est plus disponible.' },
  405: { title: 'Méthode non autorisée', text: 'Cette action n’est pas possible sur cette adresse.' },
  413: { title: 'Envoi trop volumineux', text: 'Les données envoyées dépassent la taille autorisée.' },
  415: { title: 'Type de contenu refusé', text: 'Le format des données envoyées n’est pas accepté.' },
  422: { title: 'Données invalides', text: 'Certaines informations saisies ne sont pas valides.' },
  429: { title: 'Trop de tentatives', text: 'Trop de tentatives en peu de temps. Réessayez dans quelques minutes.' },
  500: { title: 'Erreur du serveur', text: 'Une erreur inattendue s’est produite. L’équipe technique a été prévenue.' },
  503: { title: 'Service momentanément indisponible', text: 'Le service est momentanément indisponible. Réessayez dans un instant.' },
};
