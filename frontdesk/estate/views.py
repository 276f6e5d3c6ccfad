"""Estate pages: sites and their settings, buildings, units with their occupants, customers and
their contacts, imports. Reading needs estate.view, every write estate.manage."""
import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import ESTATE_MANAGE, ESTATE_VIEW, permission_required
from ..core import clock
from ..core.errors import DomainError, ImportRejected
from ..core.http import int_arg, show_error
from ..extensions import db
from . import bp, queries, rules, services
from .forms import (BuildingForm, ContactForm, CustomerCreateForm, CustomerForm, EndOccupancyForm, ImportForm,
                    OccupancyForm, SiteForm, UnitForm, choices)
from .models import UNIT_USES, Building, Contact, Customer, Occupancy, Site, Unit


@bp.context_processor
def labels():
    return {"labels": {"use": rules.USE_LABELS, "kind": rules.CUSTOMER_KIND_LABELS, "role": rules.ROLE_LABELS,
                       "site_kind": rules.SITE_KIND_LABELS, "copy": rules.COPY_LABELS}}


def _list_args():
    """The site filter defaults to the desk the user works at; ?site= (empty) shows every site."""
    site_id = int_arg("site") if "site" in request.args else current_user.site_id
    return site_id, request.args.get("q", "").strip(), int_arg("page", 1)


def _actor():
    return {"actor": current_user._get_current_object(), "now": clock.now()}


# ---------------------------------------------------------------- units

@bp.get("/units")
@permission_required(ESTATE_VIEW)
def units():
    site_id, q, page = _list_args()
    use = request.args.get("use", "") if request.args.get("use") in UNIT_USES else ""
    found = queries.units_page(site_id=site_id, q=q, use=use, page=page, per_page=current_app.config["PAGE_SIZE"])
    occupants = queries.current_occupants([u.id for u in found.items], clock.business_day())
    return render_template("estate/units.html", page=found, occupants=occupants, q=q, use=use, site_id=site_id,
                           sites=queries.sites())


def _unit_page(unit, form=None, status=200):
    today = clock.business_day()
    return render_template("estate/unit.html", unit=unit, occupancies=queries.occupancies_of_unit(unit.id),
                           form=form or OccupancyForm(start_on=today), end_form=EndOccupancyForm(end_on=today),
                           payer=queries.payer_of(unit.id, today), today=today), status


@bp.get("/units/<int:unit_id>")
@permission_required(ESTATE_VIEW)
def unit(unit_id):
    return _unit_page(db.get_or_404(Unit, unit_id))


@bp.route("/sites/<int:site_id>/units/new", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def new_unit(site_id):
    site = db.get_or_404(Site, site_id)
    form = UnitForm(building_id=int_arg("building"))
    form.building_id.choices = choices(queries.building_choices(site.id))
    if form.validate_on_submit():
        try:
            unit = services.create_unit(site, **form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("Unit %(number)s has been added.", number=unit.number), "success")
            return redirect(url_for("estate.unit", unit_id=unit.id))
    return render_template("estate/unit_form.html", form=form, site=site, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def edit_unit(unit_id):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit)
    form.building_id.choices = choices(queries.building_choices(unit.site_id))
    if form.validate_on_submit():
        try:
            services.update_unit(unit, **form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("Unit %(number)s has been saved.", number=unit.number), "success")
            return redirect(url_for("estate.unit", unit_id=unit.id))
    return render_template("estate/unit_form.html", form=form, site=unit.site, unit=unit)


@bp.post("/units/<int:unit_id>/occupancies")
@permission_required(ESTATE_MANAGE)
def add_occupancy(unit_id):
    unit = db.get_or_404(Unit, unit_id)
    form = OccupancyForm()
    if not form.validate_on_submit():
        return _unit_page(unit, form)
    try:
        customer = queries.customer_by_reference(unit.site_id, form.customer.data)
        values = {k: v for k, v in form.values().items() if k != "customer"}
        services.add_occupancy(unit, customer, **values, **_actor())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _unit_page(unit, form)
    db.session.commit()
    flash(_("%(name)s has been recorded for unit %(number)s.", name=customer.name, number=unit.number), "success")
    return redirect(url_for("estate.unit", unit_id=unit.id))


@bp.post("/occupancies/<int:occupancy_id>/end")
@permission_required(ESTATE_MANAGE)
def end_occupancy(occupancy_id):
    occupancy = db.get_or_404(Occupancy, occupancy_id)
    form = EndOccupancyForm()
    if not form.validate_on_submit():
        flash(_("Give the last day of the occupancy as a date."), "error")
        return _unit_page(occupancy.unit)
    try:
        services.end_occupancy(occupancy, end_on=form.end_on.data, **_actor())
    except DomainError as e:
        db.session.rollback()
        show_error(None, e)
        return _unit_page(occupancy.unit)
    db.session.commit()
    flash(_("The occupancy has been ended."), "success")
    return redirect(url_for("estate.unit", unit_id=occupancy.unit_id))


# ---------------------------------------------------------------- customers

@bp.get("/customers")
@permission_required(ESTATE_VIEW)
def customers():
    site_id, q, page = _list_args()
    found = queries.customers_page(site_id=site_id, q=q, page=page, per_page=current_app.config["PAGE_SIZE"])
    return render_template("estate/customers.html", page=found, q=q, site_id=site_id, sites=queries.sites())


def _customer_page(customer, contact_form=None, status=200):
    return render_template("estate/customer.html", customer=customer, contact_form=contact_form or ContactForm(),
                           occupancies=queries.occupancies_of_customer(customer.id),
                           today=clock.business_day()), status


@bp.get("/customers/<int:customer_id>")
@permission_required(ESTATE_VIEW)
def customer(customer_id):
    return _customer_page(db.get_or_404(Customer, customer_id))


@bp.route("/customers/new", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def new_customer():
    form = CustomerCreateForm(site_id=current_user.site_id)
    form.site_id.choices = choices(queries.site_choices())
    if form.validate_on_submit():
        values = form.values()
        try:
            site = db.get_or_404(Site, values.pop("site_id"))
            customer = services.create_customer(site, **values, **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("%(name)s has been registered.", name=customer.name), "success")
            return redirect(url_for("estate.customer", customer_id=customer.id))
    return render_template("estate/customer_form.html", form=form, customer=None)


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def edit_customer(customer_id):
    customer = db.get_or_404(Customer, customer_id)
    form = CustomerForm(obj=customer)
    if form.validate_on_submit():
        try:
            services.update_customer(customer, **form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("%(name)s has been saved.", name=customer.name), "success")
            return redirect(url_for("estate.customer", customer_id=customer.id))
    return render_template("estate/customer_form.html", form=form, customer=customer)


@bp.post("/customers/<int:customer_id>/contacts")
@permission_required(ESTATE_MANAGE)
def add_contact(customer_id):
    customer = db.get_or_404(Customer, customer_id)
    form = ContactForm()
    if not form.validate_on_submit():
        return _customer_page(customer, form)
    try:
        contact = services.add_contact(customer, **form.values(), **_actor())
    except DomainError as e:
        db.session.rollback()
        show_error(form, e)
        return _customer_page(customer, form)
    db.session.commit()
    flash(_("Contact %(name)s has been added.", name=contact.name), "success")
    return redirect(url_for("estate.customer", customer_id=customer.id))


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def edit_contact(contact_id):
    contact = db.get_or_404(Contact, contact_id)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            services.update_contact(contact, **form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("Contact %(name)s has been saved.", name=contact.name), "success")
            return redirect(url_for("estate.customer", customer_id=contact.customer_id))
    return render_template("estate/contact_form.html", form=form, contact=contact)


# ---------------------------------------------------------------- sites and buildings

@bp.get("/sites")
@permission_required(ESTATE_MANAGE)
def sites():
    return render_template("estate/sites.html", sites=queries.sites())


@bp.route("/sites/new", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def new_site():
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = services.create_site(**form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("Site %(name)s has been created.", name=site.name), "success")
            return redirect(url_for("estate.buildings", site_id=site.id))
    return render_template("estate/site_form.html", form=form, site=None)


@bp.route("/sites/<int:site_id>/settings", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def site_settings(site_id):
    site = db.get_or_404(Site, site_id)
    form = SiteForm.of(site)
    if form.validate_on_submit():
        try:
            services.update_site(site, **form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("The settings of %(name)s have been saved.", name=site.name), "success")
            return redirect(url_for("estate.sites"))
    return render_template("estate/site_form.html", form=form, site=site)


@bp.route("/sites/<int:site_id>/buildings", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def buildings(site_id):
    site = db.get_or_404(Site, site_id)
    form = BuildingForm()
    if form.validate_on_submit():
        try:
            building = services.create_building(site, **form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("Building %(code)s has been added.", code=building.code), "success")
            return redirect(url_for("estate.buildings", site_id=site.id))
    return render_template("estate/buildings.html", site=site, form=form, buildings=queries.buildings_of(site.id))


@bp.route("/buildings/<int:building_id>/edit", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def edit_building(building_id):
    building = db.get_or_404(Building, building_id)
    form = BuildingForm(obj=building)
    if form.validate_on_submit():
        try:
            services.update_building(building, **form.values(), **_actor())
        except DomainError as e:
            db.session.rollback()
            show_error(form, e)
        else:
            db.session.commit()
            flash(_("Building %(code)s has been saved.", code=building.code), "success")
            return redirect(url_for("estate.buildings", site_id=building.site_id))
    return render_template("estate/building_form.html", form=form, building=building)


# ---------------------------------------------------------------- imports

IMPORTERS = {"units": services.import_units, "customers": services.import_customers}


@bp.route("/import", methods=["GET", "POST"])
@permission_required(ESTATE_MANAGE)
def import_file():
    form = ImportForm(site_id=current_user.site_id, kind=request.args.get("kind", "units"))
    form.site_id.choices = choices(queries.site_choices())
    problems = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            site = db.get_or_404(Site, form.site_id.data)
            result = IMPORTERS[form.kind.data](site, upload.read(), upload.filename or "", **_actor())
        except ImportRejected as e:
            db.session.rollback()
            flash(str(e), "error")
            problems = e.problems
        else:
            db.session.commit()
            flash(_("The file has been imported: %(counts)s.", counts=_import_counts(result)), "success")
            return redirect(url_for("estate.units" if form.kind.data == "units" else "estate.customers",
                                    site=site.id))
    return render_template("estate/import.html", form=form, problems=problems,
                           columns={"units": services.UNIT_COLUMNS, "customers": services.CUSTOMER_COLUMNS})


def _import_counts(result):
    if "units" in result:
        return _("%(units)s units, %(buildings)s new buildings", units=result["units"],
                 buildings=len(result["buildings_created"]))
    return _("%(customers)s customers, %(occupancies)s occupancies", customers=result["customers"],
             occupancies=result["occupancies"])


@bp.get("/import/template-<kind>.xlsx")
@permission_required(ESTATE_MANAGE)
def import_template(kind):
    if kind not in IMPORTERS:
        abort(404)
    content = services.import_template(kind)
    return send_file(io.BytesIO(content), as_attachment=True, download_name=f"{kind}-template.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
