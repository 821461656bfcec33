# ruff: noqa: E501  (fragments are data: one per line, never wrapped)
"""French phrase bank of the demo company (Romandie and France).

One fragment per line; ``{slots}`` are filled by :mod:`palabre.demo.text`. The keys are
the same in :mod:`palabre.demo.phrases_en`; a test keeps them in step. Swiss usages
(septante, natel, dîner for lunch, « ça joue », « je me réjouis ») appear in the
fragments whose key ends in ``_local``, mixed in for Swiss customers only.
"""

from __future__ import annotations


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.strip().splitlines() if line.strip())


BANK: dict[str, tuple[str, ...]] = {
    # -- fillers ----------------------------------------------------------------------
    "product": _lines("""
        le pull en laine mérinos
        la veste imperméable
        les chaussures de marche
        le sac à dos 30 litres
        la doudoune sans manches
        le plaid en lin
        la théière en fonte
        les bougies parfumées
        la housse de couette
        le service à raclette
        le caquelon à fondue
        les verres à vin
        la lampe de chevet
        le coussin brodé
        les chaussettes en bambou
        la casquette brodée
        le parapluie pliable
        la gourde isotherme
        le tablier de cuisine
        les couverts en inox
        la poêle en fonte
        le tapis de yoga
        la trousse de toilette
        la robe en coton bio
        le jean brut
        la chemise en lin
        l'écharpe en cachemire
        les gants tactiles
        le bonnet tricoté main
        la valise cabine
        le panier en osier
        la carafe en verre soufflé
        le moulin à poivre
        la nappe en lin lavé
        le vase en céramique
        les baskets blanches
        la montre en bois
        le portefeuille en cuir
        la ceinture tressée
        le bougeoir en laiton
    """),
    "feature": _lines("""
        l'historique des commandes
        le panier
        la carte de fidélité
        le suivi de colis
        mes points fidélité
        la liste de souhaits
        le bouton de paiement
        les factures
        la page de mon abonnement
        les bons de réduction
        le scanner de code-barres
        la connexion avec mon compte
        les notifications
        le choix du magasin
    """),
    "weekday": _lines("""
        lundi
        mardi
        mercredi
        jeudi
        vendredi
        samedi
        dimanche
    """),
    "agent": _lines("""
        Sophie
        Marc
        Nadia
        Julien
        Léa
        Thomas
        Inès
        Yann
        Chloé
        David
    """),
    # -- frame --------------------------------------------------------------------------
    "greet_formal": _lines("""
        Bonjour,
        Madame, Monsieur,
        Bonjour Madame, Bonjour Monsieur,
        Bonsoir,
        Chère équipe,
        Bonjour à toute l'équipe,
        À l'attention du service client,
    """),
    "greet_casual": _lines("""
        Salut
        Coucou
        Hello
        Bonjour à tous
        Salut tout le monde
        Bonjour bonjour
        Re-bonjour
        Yo
    """),
    "greet_local": _lines("""
        Adieu,
        Salut à tous,
        Bonjour depuis Lausanne,
        Bonjour depuis Genève,
    """),
    "sign_formal": _lines("""
        Cordialement,
        Bien cordialement,
        Meilleures salutations,
        Avec mes salutations distinguées,
        Bien à vous,
        Dans l'attente de votre retour, cordialement,
        Je vous remercie par avance,
        Merci d'avance pour votre réponse.
    """),
    "sign_casual": _lines("""
        Merci !
        Bonne journée
        Bonne soirée à vous
        À plus
        Merci d'avance
        Bises
        Belle journée
        Bon week-end
    """),
    "sign_local": _lines("""
        Meilleures salutations
        Bonne fin de journée
        Je me réjouis de votre réponse
        Merci et bonne suite
    """),
    "opener": _lines("""
        Je me permets de vous écrire car
        Je vous contacte parce que
        Petite question :
        Je suis cliente depuis des années et
        Je suis client chez vous depuis longtemps et
        Je passe par ici parce que
        Je reviens vers vous car
        Deuxième message à ce sujet :
        Je ne sais pas si c'est le bon endroit, mais
        Comme déjà signalé par téléphone,
        Suite à mon passage au magasin de {city},
        Suite à ma commande n° {order},
        Pour faire simple :
        Je vous écris de la part de ma mère :
        Bon, je vais être direct :
        Je profite du forum pour dire que
    """),
    # -- neutral questions --------------------------------------------------------------
    "question": _lines("""
        Est-ce que {product} existe aussi en taille M ?
        Quels sont les horaires du magasin de {city} le {weekday} ?
        Est-il possible de retirer une commande web au magasin de {city} ?
        Comment fonctionne l'échange d'un article acheté en ligne ?
        Savez-vous quand {product} sera de retour en stock ?
        Peut-on payer en plusieurs fois ?
        Est-ce que la carte cadeau est valable dans tous les magasins ?
        Quelqu'un a-t-il déjà testé {product} ?
        Combien de temps faut-il pour recevoir un remboursement ?
        Est-ce que vous livrez en Haute-Savoie ?
        Y a-t-il des soldes prévus en {month} ?
        Le magasin de {city} est-il ouvert le dimanche ?
        Comment modifier l'adresse de livraison après la commande ?
        Où trouver le numéro de ma commande ?
        Est-ce qu'on peut cumuler deux bons de réduction ?
        Quelle est la différence entre l'abonnement mensuel et l'annuel ?
        Vous faites des emballages cadeaux ?
        Est-ce que {product} passe au lave-vaisselle ?
        Vos produits en laine viennent d'où ?
        Je peux venir avec mon chien au magasin de {city} ?
        Il faut un compte pour commander ou pas ?
        Comment je fais pour changer mon mot de passe ?
        Les points fidélité expirent au bout de combien de temps ?
        Quelqu'un sait si {product} taille grand ?
        Est-ce que vous avez un parking près du magasin de {city} ?
        Vous reprenez les articles soldés ?
        C'est possible de réserver un article en magasin ?
        Est-ce que {product} est fabriqué en Europe ?
    """),
    "question_local": _lines("""
        Je peux appeler le service client depuis mon natel sans frais ?
        Est-ce que vous ouvrez entre midi et deux, pendant le dîner ?
        Vous livrez aussi en Valais ?
    """),
    # -- praise -------------------------------------------------------------------------
    "praise": _lines("""
        Un grand merci à la vendeuse du magasin de {city}, super conseils !
        Commande reçue en deux jours, impeccable.
        {product} est encore plus beau en vrai.
        Service client au top, problème réglé en cinq minutes.
        Je recommande, la qualité est vraiment là.
        Très contente de mon achat, merci !
        Merci à {agent} pour sa patience au téléphone.
        Toujours un plaisir de passer au magasin de {city}.
        L'emballage était soigné, on sent le souci du détail.
        Rien à redire, tout était parfait.
        {product} tient ses promesses, je l'utilise tous les jours.
        Enfin une marque qui répond vite et bien.
        Bravo pour la nouvelle collection, elle est superbe.
        Échange fait sans discuter, c'est appréciable.
        Équipe souriante et disponible, ça fait plaisir.
        Je suis fan de {product}, j'en ai racheté un pour ma sœur.
        Merci pour le geste commercial, c'est très apprécié.
        Des conseils honnêtes, même quand ça ne vous fait pas vendre plus.
        Livraison rapide et colis bien protégé.
        J'adore le nouveau rayon maison du magasin de {city}.
        Qualité constante depuis des années, chapeau.
        La retoucherie du magasin de {city} a fait un travail parfait.
        Un service comme on n'en voit plus beaucoup.
        Vous avez gagné une cliente fidèle.
    """),
    "praise_local": _lines("""
        Ça joue parfaitement, merci !
        Franchement c'est top, je me réjouis de revenir.
        Vendeuse adorable au magasin de {city}, service nickel.
    """),
    # -- suggestion ---------------------------------------------------------------------
    "suggestion": _lines("""
        Ce serait bien de pouvoir choisir un créneau de livraison.
        Pourquoi ne pas proposer {product} dans d'autres couleurs ?
        Vous devriez ajouter un filtre par taille sur le site.
        Une idée : un programme de reprise des vieux vêtements.
        Il faudrait afficher le stock du magasin de {city} en ligne.
        Ce serait pratique d'avoir les tickets de caisse dans l'appli.
        Pensez à ouvrir plus tard le jeudi soir.
        Proposez des ateliers couture au magasin de {city}, ça marcherait.
        Pourquoi pas une version plus légère de {product} pour l'été ?
        J'aimerais pouvoir donner mes points fidélité à une association.
        Un système de réservation en ligne pour les essayages serait top.
        Ajoutez des photos portées, c'est plus parlant.
        Mettez les tailles en cm, pas seulement S/M/L.
        Ce serait génial d'avoir un coin café dans le magasin de {city}.
        Vous pourriez envoyer un rappel avant la fin de l'abonnement.
        Pourquoi ne pas faire des colis sans plastique ?
        Une carte cadeau à imprimer soi-même, ce serait pratique.
        Il manque un vrai chat en ligne sur le site.
        Proposez une option de livraison groupée pour réduire les envois.
        Ce serait bien de pouvoir suivre la réparation d'un article.
    """),
    # -- generic discontent / disappointment / misunderstanding / drifting --------------
    "discontent": _lines("""
        Trois semaines pour un échange, c'est inadmissible.
        Personne ne répond au téléphone, c'est pénible.
        La file d'attente au magasin de {city} était interminable.
        {product} s'est décousu au bout de deux lavages.
        On m'a raccroché au nez, charmant.
        Impossible de trouver une place au parking du magasin de {city}.
        Le vendeur m'a clairement fait comprendre que je le dérangeais.
        La caisse automatique était encore en panne.
        On m'a vendu {product} avec un défaut, et on refuse de le reprendre.
        Rupture de stock sur tout ce que je veux, encore une fois.
        J'attends toujours le bon promis il y a un mois.
        Le rayon était en désordre complet samedi.
        Mes points fidélité ont disparu sans explication.
        C'est la troisième fois que je dois relancer pour la même chose.
        On se fiche un peu des clients, non ?
        Le magasin de {city} ferme avant l'heure affichée, sympa.
        Service client injoignable, c'est lamentable.
        J'en ai assez de devoir tout vérifier moi-même.
        Article reçu taché, et on me demande de payer le retour.
        Aucune réponse à mon mail depuis {days} jours.
    """),
    "disappointment": _lines("""
        Je m'attendais à mieux de votre part.
        Franchement déçue, ce n'est plus la qualité d'avant.
        {product} ne ressemble pas du tout à la photo.
        Dommage, j'aimais beaucoup votre marque.
        C'est dommage, le service s'est vraiment dégradé.
        Quelle déception pour un cadeau d'anniversaire.
        On était si bien accueillis avant, ça a bien changé.
        J'avais recommandé la boutique à mes amis, j'ai un peu honte.
        Je pensais que {product} durerait plus d'une saison.
        Beaucoup de promesses, peu de résultats.
        Je suis triste de voir ce que c'est devenu.
        Pas à la hauteur du prix payé, clairement.
    """),
    "misunderstanding": _lines("""
        Je ne comprends pas pourquoi ma commande est marquée comme annulée.
        Quelqu'un peut m'expliquer à quoi correspond cette ligne sur ma facture ?
        Je suis perdue, le remboursement est fait ou pas ?
        On me dit une chose au magasin et l'inverse au téléphone.
        Je n'arrive pas à savoir si mon bon est encore valable.
        Rien n'est clair dans vos conditions de retour.
        J'ai relu trois fois le mail et je ne sais toujours pas quoi faire.
        Pourquoi le prix affiché n'est pas celui passé en caisse ?
        C'est quoi exactement la différence entre les deux offres ?
        Je ne vois nulle part comment annuler.
        Où est passé le formulaire de contact ?
        Votre réponse automatique ne répond pas à ma question.
    """),
    "drifting": _lines("""
        Je crois que je vais aller voir ailleurs.
        Je ne renouvellerai pas, c'est décidé.
        Ce sera ma dernière commande chez vous.
        J'ai commencé à acheter chez la concurrence, et honnêtement c'est mieux.
        Je réfléchis sérieusement à résilier.
        Vous avez perdu une cliente de dix ans.
        Comment je fais pour fermer mon compte ?
        Je n'ai plus vraiment de raison de rester.
        Je vais rendre ma carte fidélité.
        Mes amis sont déjà partis, je crois que je vais suivre.
        Plus envie de me battre, j'arrête.
        Merci de supprimer mes données, je pars.
    """),
    # -- root cause: price of the monthly plan (Switzerland) ----------------------------
    "price_discontent": _lines("""
        Le prix de l'abonnement mensuel a pris {pct} % sans prévenir, sérieusement ?
        {amount} par mois maintenant pour l'abonnement, c'est du vol.
        Augmentation de l'abonnement mensuel reçue par mail, sans aucune explication.
        Vous augmentez les prix et le service baisse, bravo.
        L'abonnement mensuel coûte désormais {amount}, c'est abusé.
        Hausse de tarif de {pct} % sur le mensuel, j'ai failli m'étrangler.
        Encore une hausse de prix sur l'abonnement, ça commence à bien faire.
        Le nouveau tarif mensuel est scandaleux pour ce qu'on a.
        On paie plus cher l'abonnement et on n'a rien de plus.
        Prélèvement de {amount} ce mois-ci au lieu de l'ancien tarif, merci du cadeau.
    """),
    "price_disappointment": _lines("""
        Je pensais que les clients fidèles seraient épargnés par la hausse de l'abonnement.
        Déçu par la nouvelle grille tarifaire, l'abonnement n'en vaut plus la peine.
        Dommage, l'abonnement mensuel était un bon plan avant l'augmentation.
        Quelle déception de voir le prix de l'abonnement grimper comme ça.
        J'aimais votre abonnement, mais à {amount} par mois, non.
    """),
    "price_misunderstanding": _lines("""
        Pourquoi mon prélèvement mensuel est passé à {amount} ?
        Je ne comprends pas le nouveau tarif de l'abonnement, quelqu'un peut expliquer ?
        La hausse de l'abonnement concerne aussi les anciens abonnés ?
        Le nouveau prix de l'abonnement mensuel s'applique à partir de quand ?
        C'est normal que l'abonnement soit plus cher en Suisse qu'en France ?
    """),
    "price_drifting": _lines("""
        Avec la hausse de l'abonnement, je vais résilier le mensuel.
        À ce prix-là, j'arrête l'abonnement à la fin du mois.
        Je passe chez la concurrence, leur abonnement est moins cher.
        Résiliation envoyée, le nouveau tarif mensuel c'est non.
        Je ne vois plus l'intérêt de l'abonnement à {amount}.
    """),
    "price_local": _lines("""
        Septante francs l'abonnement, vous êtes sérieux ?
        Nonante francs de plus sur l'année pour l'abonnement, non merci.
        Septante-neuf francs par mois, ça fait mal au porte-monnaie.
    """),
    # -- root cause: delivery problems (France) -----------------------------------------
    "delivery_discontent": _lines("""
        Ma commande {order} n'est toujours pas livrée après {days} jours.
        Colis annoncé livré mais jamais reçu, c'est la troisième fois.
        Le transporteur a encore laissé mon colis n'importe où.
        {days} jours de retard sur la livraison et aucune nouvelle.
        Le suivi de colis indique « en transit » depuis une semaine.
        Livraison reportée encore une fois, j'ai posé un jour de congé pour rien.
        Colis arrivé ouvert et abîmé, bravo le transport.
        Plus de {days} jours pour livrer à Lyon, on n'est pas au bout du monde.
        Le livreur n'a même pas sonné, avis de passage direct.
        Toujours pas de colis, et le numéro de suivi ne marche pas.
    """),
    "delivery_disappointment": _lines("""
        Avant vous livriez en deux jours, maintenant c'est la loterie.
        Déçue, le cadeau n'est jamais arrivé à temps pour l'anniversaire.
        Dommage, la livraison était votre point fort.
        J'attendais mieux que trois semaines pour un colis.
        Quelle déception, le colis est arrivé après mon départ en vacances.
    """),
    "delivery_misunderstanding": _lines("""
        Le suivi dit livré, mais où est mon colis ?
        Je ne comprends pas qui est le transporteur maintenant.
        Pourquoi ma commande est repartie à l'entrepôt ?
        Le point relais indiqué n'existe pas, je fais comment ?
        Je ne sais pas si je dois attendre ou recommander.
    """),
    "delivery_drifting": _lines("""
        Avec ces retards de livraison, je commande ailleurs désormais.
        Plus jamais de livraison chez vous, j'arrête les frais.
        Je ne recommanderai plus en ligne tant que la livraison sera aussi lente.
        Colis perdu, remboursement demandé, et je ne reviendrai pas.
        J'ai trouvé un autre site qui livre en 48 h, au revoir.
    """),
    # -- root cause: the confusing app update (everyone) --------------------------------
    "app_discontent": _lines("""
        La nouvelle version de l'appli est une catastrophe.
        Depuis la mise à jour de l'application, impossible d'accéder à {feature}.
        L'appli plante à chaque ouverture depuis la mise à jour.
        Qui a validé cette mise à jour de l'appli ? Tout est plus compliqué.
        La mise à jour a effacé {feature}, génial.
        L'appli rame depuis la dernière version, c'est insupportable.
        Rendez-nous l'ancienne version de l'application !
        Trois clics de plus pour trouver {feature} depuis la mise à jour.
    """),
    "app_disappointment": _lines("""
        L'ancienne appli était tellement plus simple, dommage.
        Déçu par la nouvelle application, elle était très bien avant.
        J'attendais des améliorations, pas une appli plus compliquée.
        Quel dommage d'avoir cassé une appli qui marchait.
    """),
    "app_misunderstanding": _lines("""
        Où est passé {feature} dans la nouvelle appli ?
        Je ne trouve plus {feature} depuis la mise à jour, quelqu'un sait où c'est ?
        Comment on fait pour retrouver {feature} dans la nouvelle version de l'application ?
        Je ne comprends rien au nouveau menu de l'appli.
        Depuis la mise à jour, je ne sais plus comment scanner ma carte.
        Il faut se reconnecter après la mise à jour de l'application ? Mon mot de passe ne marche plus.
        C'est moi ou {feature} a disparu de l'appli ?
        La nouvelle appli me demande des choses que je ne comprends pas.
    """),
    "app_drifting": _lines("""
        J'ai désinstallé l'appli, je commanderai ailleurs.
        Si l'appli reste comme ça, je passe à la concurrence.
        Nouvelle appli inutilisable, je laisse tomber.
        Je n'utilise plus votre application depuis la mise à jour, ni votre site d'ailleurs.
    """),
    # -- trends (emerging topics) -------------------------------------------------------
    "trend_click_collect": _lines("""
        Vous avez pensé au click & collect ? Commander en ligne et retirer au magasin de {city}, ce serait idéal.
        Le click & collect existe chez vous ? Je préfère passer chercher ma commande.
        Testé le click & collect au magasin de {city} : prêt en deux heures, parfait.
        Le retrait en magasin (click & collect) m'a évité les soucis de livraison.
        Est-ce que le click & collect marche aussi pour les articles soldés ?
        Click & collect au magasin de {city} : très pratique, mais le comptoir est mal indiqué.
        J'ai fait un click & collect ce {weekday}, super rapide.
        Pourquoi le click & collect n'est pas proposé pour {product} ?
    """),
    "trend_packaging": _lines("""
        Les emballages consignés, c'est pour quand ? J'en ai marre des cartons.
        Bravo pour les emballages consignés, j'ai rapporté le mien au magasin de {city}.
        Est-ce que je peux rendre l'emballage consigné dans n'importe quel magasin ?
        Emballage consigné reçu aujourd'hui, bonne idée mais la consigne est chère.
        Vous pourriez généraliser les emballages consignés à toutes les livraisons ?
        Où se trouve le point de retour des emballages consignés au magasin de {city} ?
        Les emballages réutilisables, c'est exactement ce qu'il fallait.
    """),
    "trend_cargo": _lines("""
        Livraison en vélo cargo ce matin à {city}, le livreur était adorable.
        Le vélo cargo pour les livraisons en ville, très bonne initiative.
        Vous livrez en vélo cargo dans mon quartier aussi ?
        J'ai vu votre vélo cargo passer devant chez moi, j'adore.
        Le vélo cargo arrive plus vite que le camion, allez comprendre.
        Est-ce que la livraison en vélo cargo coûte plus cher ?
    """),
    "brief_discontent": _lines("""
        Toujours rien pour {order}.
        {days} jours d'attente, sérieux ?
        Encore en panne ce {weekday}.
        Nul, {product} déjà cassé.
        Pas de réponse depuis {days} jours.
        Magasin de {city} fermé, encore.
        Ça suffit avec {product}.
        {n} minutes d'attente au téléphone…
    """),
    "brief_praise": _lines("""
        Merci {agent} !
        Top, {product} reçu.
        Bravo le magasin de {city} !
        Nickel, merci pour {order}.
        Adoré {product}.
        Super accueil à {city} ce {weekday}.
        Livré en {days} jours, parfait.
    """),
    "brief_question": _lines("""
        Ouvert {weekday} à {city} ?
        {product} dispo en M ?
        Des nouvelles de {order} ?
        Stock de {product} à {city} ?
        Horaires de {city} {weekday} ?
        Soldes en {month} ?
        Livraison à {city} possible ?
    """),
    # -- shaping pieces -----------------------------------------------------------------
    "detail": _lines("""
        J'ai déjà appelé deux fois la hotline.
        Je vous ai envoyé des photos par mail.
        Ma voisine a eu exactement le même souci.
        J'ai gardé le ticket de caisse, évidemment.
        Mon numéro client est dans mon profil.
        Je suis passée au magasin de {city} le {weekday}.
        On m'a promis un rappel qui n'est jamais venu.
        J'ai fait la démarche en ligne, sans succès.
        Ce n'est pas la première fois que ça arrive.
        J'ai attendu {n} minutes au téléphone avant d'abandonner.
        Le conseiller était gentil mais n'avait aucune solution.
        J'ai vérifié mes spams, rien.
        Mon mari a essayé de son côté, pareil.
        J'ai dû reprendre un après-midi pour ça.
        J'ai lu les autres messages du forum, je ne suis pas la seule.
        J'ai toutes les captures d'écran si besoin.
        J'étais pourtant ravie jusqu'ici.
        Je vous écris du bureau, je n'ai pas le temps d'appeler.
        J'ai regardé la FAQ, elle ne dit rien là-dessus.
        C'était pour un cadeau, donc un peu pressé.
        J'ai payé {amount}, ce n'est pas rien.
        Le numéro de commande est le {order}.
    """),
    "intensifier": _lines("""
        Franchement,
        Honnêtement,
        Sérieusement,
        Vraiment,
        Très sincèrement,
        Je vous le dis tout net :
        Bon,
        Alors là,
        Pour être honnête,
        Clairement,
        Sans rire,
        Je suis désolée mais
    """),
    "sarcasm": _lines("""
        Merci pour ce grand moment de service client.
        Bravo, vraiment, continuez comme ça.
        Génial, encore une belle surprise.
        Quelle efficacité, je suis impressionnée.
        C'est beau le progrès.
        On n'arrête pas le progrès, hein.
        Super, j'adore attendre.
        Top, exactement ce dont j'avais besoin.
        Vivement la prochaine « amélioration ».
        Je suppose que je dois dire merci ?
    """),
    "closer_neg": _lines("""
        J'attends une réponse rapide.
        Merci de faire le nécessaire.
        J'espère que ça va changer.
        Il serait temps de réagir.
        Je ne lâcherai pas l'affaire.
        Merci de me tenir informée.
        Je veux une solution, pas des excuses.
        Je compte sur vous pour régler ça.
        Faites quelque chose, svp.
        Sinon je ferai une réclamation officielle.
    """),
    "closer_pos": _lines("""
        Continuez comme ça !
        Merci encore.
        À bientôt au magasin.
        Je reviendrai, c'est sûr.
        Belle journée à toute l'équipe.
        Encore bravo.
        Vous êtes top.
        Merci pour tout.
    """),
    "closer_neutral": _lines("""
        Merci d'avance pour vos lumières.
        Si quelqu'un a l'info, je prends.
        Merci pour votre aide.
        Bonne journée.
        Je regarderai la réponse ce soir.
        Merci !
        D'avance merci.
        Merci de votre retour.
    """),
    "followup": _lines("""
        Quelqu'un a une solution ?
        C'est normal ?
        Vous comptez faire quelque chose ?
        Je suis la seule dans ce cas ?
        Quelqu'un d'autre a eu le problème ?
        Vous pouvez m'expliquer ?
        Ça va durer encore longtemps ?
        Qui dois-je contacter ?
    """),
    # -- replies ------------------------------------------------------------------------
    "echo": _lines("""
        Pareil pour moi, exactement le même problème.
        +1, c'est pareil chez moi.
        Ah, je ne suis pas la seule alors !
        Même chose ici depuis {days} jours.
        Tout à fait d'accord avec vous.
        Idem, et personne ne répond.
        Ça me rassure de voir que je ne suis pas seul.
        On est nombreux dans ce cas visiblement.
        Je confirme, c'est n'importe quoi.
        Exactement ce que je me disais.
        Merci de le dire, je pensais pareil.
        Bien dit ! Ça fait des semaines que ça dure.
        Je plussoie, c'est devenu pénible.
        Même galère, je vais suivre ce fil.
    """),
    "peer_help": _lines("""
        Essayez de vider le cache, ça avait marché pour moi en {month}.
        Il faut passer par le formulaire en bas de la page contact, réponse en {days} jours chez moi.
        Au magasin de {city}, ils m'ont réglé ça sur place.
        De mémoire c'est 30 jours pour les retours, j'ai rendu {product} sans souci.
        J'ai eu la même question en {month}, la réponse est oui.
        Appelez plutôt le {weekday} matin, ça répond plus vite.
        J'ai pris {product} en M et ça taille normalement.
        Regardez dans votre espace client, onglet commandes, c'est là pour {product}.
        C'est écrit dans le mail de confirmation normalement, vers le bas.
        Je crois que oui, ma sœur l'a fait au magasin de {city} le mois dernier.
        Demandez {agent} au service client, elle connaît bien le sujet.
        Moi j'ai attendu {days} jours, puis c'est rentré dans l'ordre.
        Le magasin de {city} fait les échanges sans ticket si vous avez la carte.
        Il y a une FAQ là-dessus, rubrique « Mon compte ».
    """),
    "agent_reply": _lines("""
        Bonjour, merci pour votre message. Nous regardons cela immédiatement.
        Bonjour, nous sommes désolés pour ce désagrément. Pouvez-vous nous envoyer votre numéro de commande en message privé ?
        Merci pour votre retour, je transmets à l'équipe concernée.
        Bonjour, votre demande a bien été prise en compte, un conseiller revient vers vous sous 24 h.
        Bonjour, je comprends votre frustration. Je vérifie le statut de votre commande.
        Merci de votre patience. Le remboursement a été lancé ce jour.
        Bonjour, vous trouverez la réponse dans notre FAQ, rubrique retours. Je reste à disposition.
        Bonjour, le magasin de {city} est ouvert de 9 h à 19 h du lundi au samedi.
        Merci pour ce gentil message, je le transmets à l'équipe du magasin !
        Bonjour, un geste commercial a été ajouté sur votre compte.
        Bonjour, nous avons relancé le transporteur et reviendrons vers vous rapidement.
        Merci pour votre suggestion, elle est transmise à nos équipes produit.
    """),
    "agent_close": _lines("""
        Belle journée.
        L'équipe du service client
        Bien cordialement,
        Nous restons à votre écoute.
        Cordialement, {agent}
        Bonne fin de journée, {agent}
    """),
    "ticket_subject": _lines("""
        Question sur ma commande
        Problème de remboursement
        Demande d'échange
        Réclamation
        Article défectueux
        Suivi de livraison
        Mon abonnement
        Facture incorrecte
        Accès à mon compte
        Demande d'information
        Carte de fidélité
        Retour d'un article
    """),
    # -- employees ----------------------------------------------------------------------
    "kudos": _lines("""
        Un grand bravo à {colleague} pour son aide sur l'inventaire hier soir !
        Merci {colleague} d'avoir pris mon client au pied levé.
        Bravo {colleague}, la vitrine est magnifique.
        Merci à {colleague} pour sa patience avec la nouvelle caisse.
        Kudos à {colleague} qui a sauvé la livraison de ce matin.
        {colleague}, merci pour le coup de main sur les tickets en retard !
        Chapeau {colleague}, la formation était super claire.
        Merci {colleague} pour le café et la bonne humeur.
        Bravo à {colleague} pour le retour client élogieux reçu aujourd'hui.
        {colleague} a géré une cliente très énervée avec un calme olympien, respect.
        Merci {colleague} d'avoir dépanné l'équipe du samedi.
        Un immense merci à {colleague} pour le nouveau tableau de suivi.
        Bravo {colleague} pour ta première semaine, tu assures !
        Merci {colleague}, sans toi la mise en rayon n'aurait jamais été prête.
    """),
    "chat_work": _lines("""
        Quelqu'un peut me remplacer {weekday} après-midi ?
        La réunion d'équipe de {weekday} est décalée à {time}.
        Livraison du fournisseur prévue {weekday} à {time}, prévoyez du monde.
        Le planning de {month} est en ligne.
        Qui a les clés de la réserve ? {colleague} les avait ce matin.
        Rappel : inventaire {weekday} soir à partir de {time}.
        Le terminal de paiement de la caisse {n} refait des siennes.
        J'ai mis à jour le fichier des commandes clients, {n} lignes en attente.
        On a reçu les nouveaux modèles de {product}, je les mets en rayon.
        Petit point à {time} pour préparer les soldes ?
        La cliente de ce matin a rappelé pour {product}.
        Je suis en télétravail {weekday}, joignable sur le chat.
        Quelqu'un sait comment on fait un avoir de {amount} dans le nouveau logiciel ?
        Les étiquettes de prix de {month} sont arrivées, {n} cartons.
        Je prends mon dîner à {time}, qui couvre l'accueil ?
        Les chiffres de la semaine sont bons, {n} % au-dessus de l'objectif, merci à tous.
        Pensez à badger en arrivant, {colleague} a eu un souci hier.
        Qui est dispo pour la formation de {weekday} à {time} ?
        On manque de sacs en caisse {n}, je commande ?
        Le ticket {order} est réglé, je le ferme.
        {colleague} tu peux jeter un œil au ticket {order} ?
        Il reste {n} colis à préparer avant {time}.
        La vitrine de {product} est à refaire pour {weekday}.
        Le camion de {time} aura du retard, environ {n} minutes.
        Quelqu'un a vu passer la commande {order} ?
        Réunion avec les fournisseurs {weekday} à {time}, {colleague} tu viens ?
        On a {n} retours à traiter, je m'en occupe après le dîner.
        Le stock de {product} est presque épuisé, j'en recommande {n}.
        Je serai en retard {weekday}, rendez-vous chez le dentiste à {time}.
        Le client qui attendait {product} peut passer le chercher.
        Nouvelle consigne : les retours passent par le comptoir du fond à partir de {weekday}.
        {colleague} a le code de l'alarme si besoin ce soir.
        Le fichier des horaires de {month} a une erreur pour {weekday}.
        Encore {n} appels en attente sur la ligne du service client.
    """),
    "chat_low": _lines("""
        Encore des heures sup ce {weekday}, ça devient la norme.
        On est toujours en sous-effectif, personne ne nous écoute.
        Je suis épuisée, trois samedis d'affilée.
        À quoi bon remonter les problèmes, rien ne bouge.
        Le planning change tous les jours, impossible de s'organiser.
        On nous demande toujours plus avec moins de monde.
        Honnêtement je ne sais pas combien de temps je vais tenir.
        Encore une réorganisation annoncée sans nous consulter.
        Personne n'a été remplacé depuis le départ de l'équipe du matin.
        L'ambiance est vraiment pesante en ce moment.
        Je ne me sens plus écoutée par la direction.
        Encore une semaine à courir partout, vivement les vacances.
    """),
    "intranet_post": _lines("""
        Bienvenue aux nouveaux collègues arrivés en {month} !
        Les résultats du trimestre sont en ligne : merci à toutes et tous.
        Nouvelle procédure de notes de frais à partir de {month}.
        La fête du personnel aura lieu le {weekday} 20 juin à Satigny.
        Formation sécurité obligatoire pour les équipes logistiques.
        Le magasin de {city} fait peau neuve : travaux en {month}.
        Lancement du nouveau processus de retours dans les équipes pilotes du service client.
        Rappel : le baromètre interne est anonyme, vos réponses comptent.
        Les inscriptions aux cours de langue sont ouvertes.
        Nouvelle campagne d'idées ouverte à toutes et tous : proposez, votez, commentez !
    """),
    "intranet_comment": _lines("""
        Super nouvelle, merci pour l'info.
        Bienvenue à tous !
        Est-ce qu'il y aura une session en anglais ?
        Enfin !
        Bravo aux équipes.
        Est-ce que ça concerne aussi les temps partiels ?
        Hâte de voir ça.
        Merci, c'est très clair.
        Quelqu'un sait si c'est obligatoire ?
        Top, on en parlait justement en équipe.
    """),
    "pulse_question": _lines("""
        Baromètre de {month} : sur une échelle de 0 à 10, comment vous sentez-vous dans votre équipe ?
        Baromètre de {month} : de 0 à 10, recommanderiez-vous Maison Lémanique comme employeur ?
        Baromètre de {month} : de 0 à 10, avez-vous les moyens de bien faire votre travail ?
    """),
    "pulse_pos": _lines("""
        Bonne ambiance dans l'équipe.
        Je me sens soutenue par ma responsable.
        Les nouveaux outils nous simplifient la vie.
        On a enfin du renfort, ça change tout.
        Beaucoup de travail mais une bonne équipe.
        Contente des formations proposées.
        Reconnaissance sincère de la part du management.
        Horaires plus stables ce mois-ci.
    """),
    "pulse_neg": _lines("""
        Charge de travail trop lourde.
        Manque de personnel chronique.
        Plannings communiqués trop tard.
        Pas de reconnaissance pour les efforts fournis.
        Les décisions tombent sans explication.
        Fatigue générale dans l'équipe.
        Trop d'heures supplémentaires.
        Aucune perspective d'évolution.
    """),
    "chat_prefix": _lines("""
        Hello,
        Salut,
        Petite question :
        Rappel :
        Info :
        Pour info,
        Urgent :
        Hello l'équipe,
        Coucou,
        Bonjour à tous,
        Question bête :
        Au fait,
        Bon,
        Attention :
        Petit message :
        Re,
    """),
    "chat_suffix": _lines("""
        Merci !
        Merci d'avance.
        Dites-moi si besoin.
        C'est assez urgent.
        Je regarde ça cet après-midi.
        Je vous tiens au courant.
        Qui s'en occupe ?
        Merci de confirmer.
        Je suis au bureau jusqu'à 17 h.
        On en reparle demain ?
        Je passe vous voir après le dîner.
        Vous me dites.
        Bonne journée à tous.
        À plus.
        Ça marche pour vous ?
        Je note.
    """),
    "reply_prefix": _lines("""
        Bonjour,
        Alors,
        Perso,
        De mon côté,
        Ah oui,
        Pour ma part,
        Chez moi,
        Hello,
        Bonsoir,
        Effectivement,
    """),
    # -- ideas --------------------------------------------------------------------------
    "idea_verb": _lines("""
        Proposer
        Installer
        Créer
        Organiser
        Mettre en place
        Tester
        Lancer
        Offrir
        Développer
        Généraliser
    """),
    "idea_object": _lines("""
        un atelier de réparation de vêtements
        des emballages consignés
        un coin café
        un programme de reprise des articles usagés
        des bornes de recharge pour vélos
        une application de réservation d'essayage
        des livraisons en vélo cargo
        un espace enfants
        des ateliers couture
        une carte de fidélité familiale
        des soirées shopping privées
        un rayon seconde main
        un service de retouches express
        un compost pour les équipes
        un système de covoiturage entre collègues
        des paniers de produits locaux
        une newsletter en anglais
        des étiquettes avec l'empreinte carbone
    """),
    "idea_place": _lines("""
        au magasin de {city}
        dans tous les magasins
        sur le site
        pour les abonnés
        à l'entrepôt de Satigny
        pour les équipes
        le samedi
        pendant les soldes
    """),
    "idea_body": _lines("""
        Beaucoup de clients le demandent en caisse.
        Ça réduirait nos déchets et ça plairait aux clients.
        D'autres enseignes le font déjà avec succès.
        Ça coûterait peu et ça donnerait une belle image.
        On pourrait commencer par un test sur un seul magasin.
        Les équipes seraient partantes, on en a parlé en réunion.
        Ce serait un vrai plus pour fidéliser les clients.
        On pourrait mesurer l'effet sur trois mois.
        Idée née d'une discussion avec une cliente fidèle.
        Simple à mettre en place avec les moyens actuels.
    """),
    "idea_comment": _lines("""
        Excellente idée, je vote pour !
        Bonne idée mais qui s'en occuperait ?
        Ça existe déjà à Lyon, non ?
        Je suis partant pour aider.
        Il faudrait chiffrer le coût avant.
        Oui ! On en parle depuis des mois.
        Pas convaincue, les clients ne le demandent pas vraiment.
        À tester d'abord sur un magasin pilote.
        Génial, et on pourrait l'associer à la carte fidélité.
        Attention à la place que ça prend en magasin.
    """),
    "campaign_question": _lines("""
        Campagne d'idées : comment rendre nos magasins plus durables ?
        Campagne d'idées : le service client de demain, vous le voyez comment ?
    """),
    # -- emojis -------------------------------------------------------------------------
    "emoji_pos": _lines("""
        😊
        👍
        🙏
        ❤️
        😍
        👏
        ✨
        🥰
        :)
    """),
    "emoji_neg": _lines("""
        😡
        😤
        🙄
        😞
        👎
        😠
        🤬
        :(
        😩
    """),
    "emoji_neutral": _lines("""
        🤔
        🙂
        😅
        🤷
        ;)
    """),
}
