# ruff: noqa: E501  (fragments are data: one per line, never wrapped)
"""English phrase bank of the demo company (British customers and the London team).

One fragment per line; ``{slots}`` are filled by :mod:`palabre.demo.text`. The keys are
the same as in :mod:`palabre.demo.phrases_fr`. Keys ending in ``_local`` hold British
usages (queue, mobile, quid, cheers) mixed in now and then.
"""

from __future__ import annotations


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.strip().splitlines() if line.strip())


BANK: dict[str, tuple[str, ...]] = {
    # -- fillers ----------------------------------------------------------------------
    "product": _lines("""
        the merino wool jumper
        the waterproof jacket
        the walking boots
        the 30-litre rucksack
        the gilet
        the linen throw
        the cast-iron teapot
        the scented candles
        the duvet cover
        the raclette set
        the fondue pot
        the wine glasses
        the bedside lamp
        the embroidered cushion
        the bamboo socks
        the embroidered cap
        the folding umbrella
        the insulated bottle
        the kitchen apron
        the cutlery set
        the cast-iron pan
        the yoga mat
        the wash bag
        the organic cotton dress
        the raw denim jeans
        the linen shirt
        the cashmere scarf
        the touchscreen gloves
        the hand-knitted beanie
        the cabin suitcase
        the wicker basket
        the glass carafe
        the pepper mill
        the washed linen tablecloth
        the ceramic vase
        the white trainers
        the wooden watch
        the leather wallet
        the woven belt
        the brass candle holder
    """),
    "feature": _lines("""
        my order history
        the basket
        the loyalty card
        parcel tracking
        my loyalty points
        the wish list
        the pay button
        my invoices
        the subscription page
        my discount vouchers
        the barcode scanner
        the login screen
        notifications
        the store picker
    """),
    "weekday": _lines("""
        Monday
        Tuesday
        Wednesday
        Thursday
        Friday
        Saturday
        Sunday
    """),
    "agent": _lines("""
        Emma
        James
        Priya
        Oliver
        Hannah
        Tom
        Aisha
        Jack
        Sophie
        Ben
    """),
    # -- frame --------------------------------------------------------------------------
    "greet_formal": _lines("""
        Dear Sir or Madam,
        Hello,
        Good afternoon,
        Good morning,
        Dear customer service team,
        To whom it may concern,
        Dear team,
    """),
    "greet_casual": _lines("""
        Hi
        Hey
        Hiya
        Hi all
        Hey everyone
        Morning all
        Hi there
        Evening all
    """),
    "greet_local": _lines("""
        Alright,
        Hiya folks,
        Morning from Manchester,
        Hello from London,
    """),
    "sign_formal": _lines("""
        Kind regards,
        Best regards,
        Yours faithfully,
        Yours sincerely,
        Many thanks in advance,
        I look forward to hearing from you.
        Thank you for your time.
        Regards,
    """),
    "sign_casual": _lines("""
        Thanks!
        Cheers
        Have a good day
        Thanks in advance
        Ta
        Speak soon
        Have a nice weekend
        x
    """),
    "sign_local": _lines("""
        Cheers, much appreciated
        Ta very much
        Nice one, cheers
        Thanks a million
    """),
    "opener": _lines("""
        I'm writing because
        I'm getting in touch because
        Quick question:
        I've been a customer for years and
        I've shopped with you for ages and
        Posting here because
        Following up on my earlier message:
        Second message about this:
        Not sure this is the right place, but
        As I already said on the phone,
        After my visit to the {city} shop,
        Regarding order {order},
        Long story short:
        Writing on behalf of my mum:
        Right, I'll be blunt:
        Using the forum to say that
    """),
    # -- neutral questions --------------------------------------------------------------
    "question": _lines("""
        Does {product} come in a medium as well?
        What are the opening hours of the {city} shop on {weekday}?
        Can I pick up a web order from the {city} shop?
        How do exchanges work for things bought online?
        Any idea when {product} will be back in stock?
        Can I pay in instalments?
        Is the gift card valid in every shop?
        Has anyone tried {product}?
        How long does a refund usually take?
        Do you deliver to Northern Ireland?
        Is there a sale planned for {month}?
        Is the {city} shop open on Sundays?
        How do I change the delivery address after ordering?
        Where do I find my order number?
        Can I use two discount codes at once?
        What's the difference between the monthly and the annual plan?
        Do you do gift wrapping?
        Is {product} dishwasher safe?
        Where does your wool come from?
        Can I bring my dog into the {city} shop?
        Do I need an account to order?
        How do I reset my password?
        When do loyalty points expire?
        Does anyone know if {product} runs large?
        Is there parking near the {city} shop?
        Do you take back sale items?
        Can I reserve something in store?
        Is {product} made in Europe?
    """),
    "question_local": _lines("""
        Can I ring customer service from my mobile for free?
        Is the {city} shop busy on Saturdays or is the queue manageable?
        Do you post to the Channel Islands?
    """),
    # -- praise -------------------------------------------------------------------------
    "praise": _lines("""
        Huge thanks to the lady at the {city} shop, brilliant advice!
        Order arrived in two days, spot on.
        {product} looks even better in real life.
        Customer service was great, sorted in five minutes.
        Would recommend, the quality really is there.
        Really happy with my purchase, thank you!
        Thanks to {agent} for being so patient on the phone.
        Always a pleasure popping into the {city} shop.
        Lovely packaging, you can tell you care about the details.
        Nothing to fault, everything was perfect.
        {product} does exactly what it says, I use it every day.
        Finally a brand that answers quickly and properly.
        Well done on the new collection, it's gorgeous.
        Exchange done with no fuss, much appreciated.
        Friendly, helpful staff, makes a real difference.
        Absolutely love {product}, bought another one for my sister.
        Thanks for the goodwill gesture, really appreciated.
        Honest advice, even when it doesn't sell you more.
        Quick delivery and well-protected parcel.
        Love the new homeware section at the {city} shop.
        Consistent quality for years now, hats off.
        The alterations service in {city} did a perfect job.
        Service like you rarely see these days.
        You've won a loyal customer.
    """),
    "praise_local": _lines("""
        Cracking service, cheers!
        Brilliant, honestly can't fault it.
        Lovely staff at the {city} shop, proper service.
    """),
    # -- suggestion ---------------------------------------------------------------------
    "suggestion": _lines("""
        It would be great to choose a delivery slot.
        Why not offer {product} in more colours?
        You should add a size filter on the website.
        An idea: a take-back scheme for old clothes.
        You should show stock levels for the {city} shop online.
        It would be handy to have receipts in the app.
        Please think about opening later on Thursday evenings.
        Run sewing workshops at the {city} shop, they'd be popular.
        What about a lighter version of {product} for summer?
        I'd love to donate my loyalty points to a charity.
        An online booking system for fittings would be great.
        Add photos of the clothes being worn, it helps.
        Give sizes in cm, not just S/M/L.
        A little café corner in the {city} shop would be amazing.
        You could send a reminder before the subscription renews.
        Why not plastic-free parcels?
        A print-at-home gift card would be handy.
        The website really needs a live chat.
        Offer grouped deliveries to cut down on trips.
        It would be nice to track the repair of an item.
    """),
    # -- generic discontent / disappointment / misunderstanding / drifting --------------
    "discontent": _lines("""
        Three weeks for an exchange is unacceptable.
        Nobody picks up the phone, it's ridiculous.
        The queue at the {city} shop was endless.
        {product} came apart after two washes.
        Someone hung up on me, lovely.
        Impossible to park anywhere near the {city} shop.
        The sales assistant made it very clear I was bothering him.
        The self-checkout was broken again.
        I was sold {product} with a fault and you refuse to take it back.
        Out of stock on everything I want, yet again.
        Still waiting for the voucher I was promised a month ago.
        The shop floor was a complete mess on Saturday.
        My loyalty points vanished with no explanation.
        Third time I've had to chase the same thing.
        You don't really care about customers, do you?
        The {city} shop closes before the posted time, great.
        Customer service is unreachable, it's pathetic.
        I'm fed up with having to check everything myself.
        Item arrived stained and I'm asked to pay for the return.
        No reply to my email for {days} days.
    """),
    "disappointment": _lines("""
        I expected better from you.
        Honestly disappointed, the quality isn't what it used to be.
        {product} looks nothing like the photo.
        Shame, I used to really like your brand.
        Such a pity, the service has really gone downhill.
        What a letdown for a birthday present.
        We used to be so well looked after, it's all changed.
        I recommended you to my friends, now I'm a bit embarrassed.
        I thought {product} would last more than one season.
        Lots of promises, not much delivered.
        Sad to see what it's become.
        Not worth the price, clearly.
    """),
    "misunderstanding": _lines("""
        I don't understand why my order shows as cancelled.
        Can someone explain what this line on my invoice is?
        I'm lost, has the refund gone through or not?
        The shop tells me one thing and the phone line the opposite.
        I can't work out if my voucher is still valid.
        Your returns policy is really unclear.
        I've read the email three times and still don't know what to do.
        Why is the price on the shelf not what I paid at the till?
        What exactly is the difference between the two offers?
        I can't see anywhere how to cancel.
        Where has the contact form gone?
        Your automatic reply doesn't answer my question.
    """),
    "drifting": _lines("""
        I think I'll take my business elsewhere.
        I won't be renewing, that's decided.
        This will be my last order with you.
        I've started shopping with a competitor and honestly it's better.
        Seriously thinking about cancelling.
        You've lost a ten-year customer.
        How do I close my account?
        I don't really have a reason to stay any more.
        I'll be handing back my loyalty card.
        My friends have already left, I think I'll follow.
        Can't be bothered fighting any more, I'm done.
        Please delete my data, I'm leaving.
    """),
    # -- root cause: price of the monthly plan (unused for British customers) -----------
    "price_discontent": _lines("""
        The monthly plan went up {pct}% with no warning, seriously?
        {amount} a month for the subscription now, that's daylight robbery.
        Got an email about the monthly plan going up, no explanation at all.
        You put prices up and the service gets worse, well done.
        The monthly subscription now costs {amount}, that's a joke.
        A {pct}% increase on the monthly plan, I nearly choked.
        Another price rise on the subscription, it's getting silly.
        The new monthly price is outrageous for what we get.
        Paying more for the subscription and getting nothing extra.
        Charged {amount} this month instead of the old price, thanks for that.
    """),
    "price_disappointment": _lines("""
        I thought loyal customers would be spared the subscription increase.
        Disappointed by the new prices, the plan isn't worth it any more.
        Shame, the monthly plan was good value before the increase.
        Sad to see the subscription price climb like that.
        I liked your subscription, but at {amount} a month, no.
    """),
    "price_misunderstanding": _lines("""
        Why has my monthly direct debit gone up to {amount}?
        I don't understand the new subscription price, can someone explain?
        Does the subscription increase apply to existing members too?
        When does the new monthly price start?
        Is it normal that the plan costs more in one country than another?
    """),
    "price_drifting": _lines("""
        With the subscription increase I'm cancelling the monthly plan.
        At that price I'm stopping the subscription at the end of the month.
        Moving to a competitor, their plan is cheaper.
        Cancellation sent, the new monthly price is a no from me.
        I can't see the point of the subscription at {amount}.
    """),
    "price_local": _lines("""
        Seventy quid for the plan, are you having a laugh?
        That's a lot of quid for a subscription.
        Paying through the nose for the plan now.
    """),
    # -- root cause: delivery problems (unused for British customers) --------------------
    "delivery_discontent": _lines("""
        Order {order} still hasn't arrived after {days} days.
        Parcel marked delivered but never received, third time now.
        The courier left my parcel in a random place again.
        {days} days late and not a word from you.
        Tracking has said "in transit" for a week.
        Delivery rescheduled again, I took a day off for nothing.
        Parcel arrived open and damaged, great job.
        More than {days} days to deliver, it's not the end of the world.
        The driver didn't even ring, just left a card.
        Still no parcel and the tracking number doesn't work.
    """),
    "delivery_disappointment": _lines("""
        You used to deliver in two days, now it's a lottery.
        Disappointed, the present never arrived in time for the birthday.
        Shame, delivery used to be your strong point.
        I expected better than three weeks for a parcel.
        What a letdown, the parcel arrived after I'd left on holiday.
    """),
    "delivery_misunderstanding": _lines("""
        Tracking says delivered, so where is my parcel?
        I don't understand who the courier is now.
        Why has my order gone back to the warehouse?
        The pickup point shown doesn't exist, what do I do?
        I don't know if I should wait or order again.
    """),
    "delivery_drifting": _lines("""
        With these delivery delays I'm ordering elsewhere from now on.
        Never again with your deliveries, I'm done.
        I won't order online again while delivery is this slow.
        Parcel lost, refund requested, and I won't be back.
        Found another site that delivers in 48 hours, bye.
    """),
    # -- root cause: the confusing app update (everyone) --------------------------------
    "app_discontent": _lines("""
        The new version of the app is a disaster.
        Since the app update I can't get to {feature}.
        The app crashes every time I open it since the update.
        Who signed off this app update? Everything is harder now.
        The update wiped {feature}, brilliant.
        The app is painfully slow since the last version.
        Give us the old version of the app back!
        Three extra taps to find {feature} since the update.
    """),
    "app_disappointment": _lines("""
        The old app was so much simpler, shame.
        Disappointed with the new app, it was fine before.
        I was hoping for improvements, not a more complicated app.
        Such a pity to break an app that worked.
    """),
    "app_misunderstanding": _lines("""
        Where has {feature} gone in the new app?
        I can't find {feature} since the update, does anyone know where it is?
        How do I get back to {feature} in the new version of the app?
        I don't understand the new app menu at all.
        Since the update I don't know how to scan my card.
        Do I have to log in again after the app update? My password doesn't work.
        Is it just me or has {feature} disappeared from the app?
        The new app asks me things I don't understand.
    """),
    "app_drifting": _lines("""
        Uninstalled the app, I'll shop elsewhere.
        If the app stays like this I'm switching to a competitor.
        New app is unusable, I give up.
        Haven't used your app since the update, nor your website for that matter.
    """),
    # -- trends (emerging topics) -------------------------------------------------------
    "trend_click_collect": _lines("""
        Have you thought about click & collect? Order online and pick up at the {city} shop would be ideal.
        Do you do click & collect? I'd rather pick my order up.
        Tried click & collect at the {city} shop: ready in two hours, perfect.
        Click & collect saved me from the delivery hassle.
        Does click & collect work for sale items too?
        Click & collect at the {city} shop: very handy, but the counter is badly signposted.
        Did a click & collect on {weekday}, super quick.
        Why isn't click & collect offered for {product}?
    """),
    "trend_packaging": _lines("""
        When are you bringing in reusable packaging? I'm sick of cardboard.
        Well done on the reusable packaging, I brought mine back to the {city} shop.
        Can I return the reusable packaging to any shop?
        Got my reusable packaging today, good idea but the deposit is steep.
        Could you use reusable packaging for all deliveries?
        Where is the drop-off for reusable packaging at the {city} shop?
        Returnable packaging is exactly what was needed.
    """),
    "trend_cargo": _lines("""
        Cargo bike delivery this morning in {city}, the rider was lovely.
        Cargo bikes for city deliveries, great idea.
        Do you deliver by cargo bike in my area too?
        Saw your cargo bike go past my house, love it.
        The cargo bike gets here faster than the van, go figure.
        Does cargo bike delivery cost extra?
    """),
    "brief_discontent": _lines("""
        Still nothing for {order}.
        {days} days waiting, really?
        Broken again this {weekday}.
        Rubbish, {product} already broken.
        No reply for {days} days.
        {city} shop shut, again.
        Enough with {product}.
        {n} minutes on hold…
    """),
    "brief_praise": _lines("""
        Thanks {agent}!
        Great, {product} arrived.
        Well done {city} shop!
        Spot on, thanks for {order}.
        Love {product}.
        Lovely welcome in {city} on {weekday}.
        Delivered in {days} days, perfect.
    """),
    "brief_question": _lines("""
        Open on {weekday} in {city}?
        {product} in a medium?
        Any news on {order}?
        {product} in stock in {city}?
        {city} hours on {weekday}?
        Sale in {month}?
        Delivery to {city} possible?
    """),
    # -- shaping pieces -----------------------------------------------------------------
    "detail": _lines("""
        I've already called the helpline twice.
        I emailed you photos.
        My neighbour had exactly the same issue.
        I kept the receipt, obviously.
        My customer number is in my profile.
        I went to the {city} shop on {weekday}.
        I was promised a call back that never came.
        I did it all online, no luck.
        This isn't the first time.
        I waited {n} minutes on the phone before giving up.
        The advisor was nice but had no solution.
        I checked my spam folder, nothing.
        My husband tried too, same thing.
        I had to take an afternoon off for this.
        I've read the other posts, I'm not the only one.
        I've got screenshots if needed.
        I was really happy until now.
        Writing from work, no time to call.
        Checked the FAQ, nothing about this.
        It was a present, so a bit urgent.
        I paid {amount}, that's not nothing.
        The order number is {order}.
    """),
    "intensifier": _lines("""
        Honestly,
        Frankly,
        Seriously,
        Really,
        To be fair,
        I'll be straight with you:
        Right,
        Well,
        To be honest,
        Clearly,
        No joke,
        Sorry but
    """),
    "sarcasm": _lines("""
        Thanks for this wonderful customer service experience.
        Well done, really, keep it up.
        Great, another lovely surprise.
        Such efficiency, I'm impressed.
        Progress, eh.
        Love a bit of waiting.
        Brilliant, just what I needed.
        Can't wait for the next "improvement".
        I suppose I should say thank you?
        Top marks, as always.
    """),
    "closer_neg": _lines("""
        I expect a quick reply.
        Please sort it out.
        I hope this changes.
        It's about time you did something.
        I won't let this go.
        Please keep me posted.
        I want a solution, not excuses.
        I'm counting on you to fix this.
        Do something, please.
        Otherwise I'll make a formal complaint.
    """),
    "closer_pos": _lines("""
        Keep it up!
        Thanks again.
        See you soon in store.
        I'll definitely be back.
        Have a lovely day, team.
        Well done again.
        You're brilliant.
        Thanks for everything.
    """),
    "closer_neutral": _lines("""
        Thanks in advance for any help.
        If anyone knows, let me know.
        Thanks for your help.
        Have a good day.
        I'll check back tonight.
        Thanks!
        Thanks in advance.
        Looking forward to your reply.
    """),
    "followup": _lines("""
        Anyone got a fix?
        Is that normal?
        Are you going to do anything about it?
        Am I the only one?
        Has anyone else had this?
        Can you explain?
        How much longer will this go on?
        Who should I contact?
    """),
    # -- replies ------------------------------------------------------------------------
    "echo": _lines("""
        Same here, exactly the same problem.
        +1, same for me.
        Oh, so it's not just me!
        Same thing here for {days} days now.
        Totally agree with you.
        Same, and nobody answers.
        Glad to see I'm not the only one.
        Clearly loads of us have this.
        Can confirm, it's a shambles.
        Exactly what I was thinking.
        Thanks for saying it, I thought the same.
        Well said! It's been going on for weeks.
        Seconded, it's become a pain.
        Same headache, following this thread.
    """),
    "peer_help": _lines("""
        Try clearing the cache, that worked for me in {month}.
        You have to use the form at the bottom of the contact page, took {days} days for me.
        The {city} shop sorted it for me on the spot.
        I think it's 30 days for returns, I sent back {product} with no trouble.
        I had the same question in {month}, the answer is yes.
        Ring on a {weekday} morning, they answer faster.
        I got {product} in a medium and it fits true to size.
        Look in your account under orders, it's there for {product}.
        It should be in the confirmation email, near the bottom.
        I think so, my sister did it at the {city} shop last month.
        Ask for {agent} at customer service, they know the topic well.
        I waited {days} days, then it sorted itself out.
        The {city} shop does exchanges without a receipt if you have the card.
        There's an FAQ about it, under "My account".
    """),
    "agent_reply": _lines("""
        Hello, thanks for your message. We're looking into it right away.
        Hi, sorry for the trouble. Could you DM us your order number?
        Thanks for letting us know, I've passed it on to the team.
        Hello, your request has been logged and an advisor will get back to you within 24 hours.
        Hi, I understand your frustration. I'm checking the status of your order.
        Thanks for your patience. The refund was issued today.
        Hello, you'll find the answer in our FAQ under returns. Let me know if I can help further.
        Hi, the {city} shop is open 9am to 7pm, Monday to Saturday.
        Thanks for the lovely message, I'll pass it on to the shop team!
        Hello, we've added a goodwill credit to your account.
        Hi, we've chased the courier and will be back to you shortly.
        Thanks for the suggestion, it's been passed to our product team.
    """),
    "agent_close": _lines("""
        Have a good day.
        The customer service team
        Kind regards,
        We're here if you need us.
        Kind regards, {agent}
        All the best, {agent}
    """),
    "ticket_subject": _lines("""
        Question about my order
        Refund problem
        Exchange request
        Complaint
        Faulty item
        Delivery tracking
        My subscription
        Incorrect invoice
        Account access
        Information request
        Loyalty card
        Returning an item
    """),
    # -- employees ----------------------------------------------------------------------
    "kudos": _lines("""
        Big thanks to {colleague} for helping with the stock count last night!
        Thanks {colleague} for picking up my customer at short notice.
        Well done {colleague}, the window display looks amazing.
        Thanks to {colleague} for being so patient with the new till.
        Kudos to {colleague} who saved this morning's delivery.
        {colleague}, thanks for helping with the ticket backlog!
        Hats off {colleague}, the training was really clear.
        Thanks {colleague} for the coffee and the good mood.
        Well done {colleague} on the glowing customer feedback today.
        {colleague} handled a very angry customer with amazing calm, respect.
        Thanks {colleague} for covering the Saturday shift.
        Massive thanks to {colleague} for the new tracking dashboard.
        Great first week {colleague}, you're smashing it!
        Thanks {colleague}, the new range would never have been ready without you.
    """),
    "chat_work": _lines("""
        Can anyone cover for me on {weekday} afternoon?
        {weekday}'s team meeting has moved to {time}.
        Supplier delivery due {weekday} at {time}, we'll need hands.
        The {month} rota is up.
        Who has the stockroom keys? {colleague} had them this morning.
        Reminder: stock count on {weekday} evening from {time}.
        The card reader on till {n} is playing up again.
        I've updated the customer orders sheet, {n} lines pending.
        The new {product} range arrived, putting it out now.
        Quick catch-up at {time} to prepare for the sale?
        This morning's customer called back about {product}.
        Working from home on {weekday}, reachable on chat.
        Does anyone know how to issue a {amount} credit note in the new system?
        The {month} price labels are in, {n} boxes.
        Taking lunch at {time}, who's covering the front desk?
        Good numbers this week, {n}% over target, thanks all.
        Please remember to clock in, {colleague} had an issue yesterday.
        Who's free for the training on {weekday} at {time}?
        We're running out of bags at till {n}, shall I order some?
        Ticket {order} is sorted, closing it.
        {colleague} can you have a look at ticket {order}?
        {n} parcels left to pack before {time}.
        The {product} display needs redoing for {weekday}.
        The {time} lorry will be late, about {n} minutes.
        Has anyone seen order {order} come through?
        Supplier meeting on {weekday} at {time}, {colleague} are you coming?
        We've got {n} returns to process, I'll do them after lunch.
        Nearly out of {product}, reordering {n}.
        I'll be late on {weekday}, dentist at {time}.
        The customer waiting for {product} can come and collect it.
        New rule: returns go through the back counter from {weekday}.
        {colleague} has the alarm code if needed tonight.
        The {month} hours sheet has a mistake for {weekday}.
        Still {n} calls waiting on the customer service line.
    """),
    "chat_low": _lines("""
        Overtime again this {weekday}, it's becoming the norm.
        We're always short-staffed and nobody listens.
        I'm exhausted, three Saturdays in a row.
        What's the point in raising issues, nothing changes.
        The rota changes every day, impossible to plan anything.
        We're asked for more and more with fewer people.
        Honestly not sure how long I can keep going.
        Another reorganisation announced without asking us.
        Nobody has been replaced since the morning team left.
        The atmosphere is really heavy at the moment.
        I don't feel listened to by management any more.
        Another week running around, can't wait for the holidays.
    """),
    "intranet_post": _lines("""
        Welcome to the colleagues who joined in {month}!
        Quarterly results are online: thank you all.
        New expenses procedure from {month}.
        The staff party will be on {weekday} 20 June in Satigny.
        Mandatory safety training for logistics teams.
        The {city} shop is getting a makeover: works in {month}.
        The new returns process launches in the pilot customer service teams.
        Reminder: the staff pulse is anonymous, your answers matter.
        Language course registrations are open.
        A new idea campaign is open to everyone: propose, vote, comment!
    """),
    "intranet_comment": _lines("""
        Great news, thanks for sharing.
        Welcome everyone!
        Will there be a session in French?
        Finally!
        Well done, teams.
        Does this apply to part-timers too?
        Can't wait.
        Thanks, very clear.
        Does anyone know if it's mandatory?
        Great, we were just talking about this.
    """),
    "pulse_question": _lines("""
        {month} pulse: on a scale of 0 to 10, how do you feel in your team?
        {month} pulse: from 0 to 10, would you recommend Maison Lémanique as an employer?
        {month} pulse: from 0 to 10, do you have what you need to do your job well?
    """),
    "pulse_pos": _lines("""
        Great atmosphere in the team.
        I feel supported by my manager.
        The new tools make life easier.
        We finally have extra help, it changes everything.
        Lots of work but a good team.
        Happy with the training on offer.
        Genuine recognition from management.
        More stable hours this month.
    """),
    "pulse_neg": _lines("""
        Workload far too heavy.
        Chronic understaffing.
        Rotas published too late.
        No recognition for the effort we put in.
        Decisions land with no explanation.
        General fatigue in the team.
        Too much overtime.
        No career prospects.
    """),
    "chat_prefix": _lines("""
        Hi all,
        Hey,
        Quick question:
        Reminder:
        FYI,
        Heads up:
        Urgent:
        Hi team,
        Morning,
        Hello everyone,
        Silly question:
        By the way,
        Right,
        Note:
        Quick one:
        Re,
    """),
    "chat_suffix": _lines("""
        Thanks!
        Thanks in advance.
        Shout if you need anything.
        It's fairly urgent.
        I'll look at it this afternoon.
        I'll keep you posted.
        Who's on it?
        Please confirm.
        I'm in the office until 5.
        Shall we pick this up tomorrow?
        I'll pop over after lunch.
        Let me know.
        Have a good day all.
        Cheers.
        Does that work for you?
        Noted.
    """),
    "reply_prefix": _lines("""
        Hi,
        Well,
        Personally,
        On my side,
        Oh yes,
        For my part,
        Here,
        Hello,
        Evening,
        Indeed,
    """),
    # -- ideas --------------------------------------------------------------------------
    "idea_verb": _lines("""
        Offer
        Install
        Create
        Organise
        Set up
        Trial
        Launch
        Provide
        Develop
        Roll out
    """),
    "idea_object": _lines("""
        a clothes repair workshop
        reusable packaging
        a coffee corner
        a take-back scheme for worn items
        bike charging points
        a fitting-room booking app
        cargo bike deliveries
        a kids' corner
        sewing workshops
        a family loyalty card
        private shopping evenings
        a second-hand section
        an express alterations service
        a compost bin for staff
        a car-sharing scheme for staff
        hampers of local produce
        a newsletter in English
        carbon footprint labels
    """),
    "idea_place": _lines("""
        at the {city} shop
        in every shop
        on the website
        for subscribers
        at the Satigny warehouse
        for the teams
        on Saturdays
        during the sales
    """),
    "idea_body": _lines("""
        Lots of customers ask for it at the till.
        It would cut our waste and customers would love it.
        Other retailers already do it successfully.
        It would cost little and look great.
        We could start with a trial in one shop.
        The teams would be up for it, we discussed it in a meeting.
        It would really help keep customers loyal.
        We could measure the effect over three months.
        The idea came from a chat with a regular customer.
        Easy to set up with what we already have.
    """),
    "idea_comment": _lines("""
        Excellent idea, I'm voting for it!
        Good idea but who would run it?
        Doesn't this already exist in Lyon?
        Happy to help.
        We should cost it first.
        Yes! We've been talking about this for months.
        Not convinced, customers aren't really asking for it.
        Trial it in one pilot shop first.
        Brilliant, and we could link it to the loyalty card.
        Watch out for the floor space it takes.
    """),
    "campaign_question": _lines("""
        Idea campaign: how can we make our shops more sustainable?
        Idea campaign: what should tomorrow's customer service look like?
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
